/**
 * The quick start as a user runs it: the built server as a real process on the embedded
 * PostgreSQL (first start, restart, recovery after kill -9, clean SIGTERM) and on the external one.
 */
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './helpers/databases.js';
import { spawnServer, type ServerProcess } from './helpers/server-process.js';

async function embeddedClient(dataDir: string, server: ServerProcess): Promise<pg.Client> {
  const ready = server.logs.find((l) => l.msg === 'embedded PostgreSQL ready');
  const { password } = JSON.parse(
    await fs.readFile(path.join(dataDir, 'postgres.json'), 'utf8'),
  ) as { password: string };
  const client = new pg.Client({
    host: '127.0.0.1',
    port: Number(ready?.port),
    user: 'postgres',
    password,
    database: 'parley',
  });
  await client.connect();
  return client;
}

describe('the server process on the embedded PostgreSQL', () => {
  let dataDir: string;
  const running: ServerProcess[] = [];
  const start = async () => {
    const s = await spawnServer({ DATA_DIR: dataDir });
    running.push(s);
    return s;
  };

  beforeAll(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'parley-proc-'));
    await fs.chmod(dataDir, 0o755);
  });
  afterAll(async () => {
    for (const s of running) await s.stop('SIGTERM');
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('starts from nothing, serves health, keeps data and shuts down cleanly on SIGTERM', async () => {
    const first = await start();
    expect((await fetch(`${first.url}/readyz`)).status).toBe(200);
    const client = await embeddedClient(dataDir, first);
    await client.query("UPDATE rooms SET topic = 'kept across restarts' WHERE name = 'general'");
    await client.end();
    expect(await first.stop('SIGTERM')).toBe(0);
    expect(first.logs.some((l) => l.msg === 'shutdown complete')).toBe(true);
    expect(existsSync(path.join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);

    const second = await start();
    const again = await embeddedClient(dataDir, second);
    const { rows } = await again.query<{ topic: string }>(
      "SELECT topic FROM rooms WHERE name = 'general'",
    );
    await again.end();
    expect(rows[0]?.topic).toBe('kept across restarts');
    expect(await second.stop('SIGINT')).toBe(0);
  });

  it('recovers after kill -9 left PostgreSQL running', async () => {
    const victim = await start();
    expect(await victim.stop('SIGKILL')).toBe('SIGKILL');
    // The orphaned postmaster still holds the cluster; the next start must take it over.
    expect(existsSync(path.join(dataDir, 'postgres', 'postmaster.pid'))).toBe(true);
    const next = await start();
    expect((await fetch(`${next.url}/readyz`)).status).toBe(200);
    expect(next.logs.some((l) => String(l.msg).includes('still running'))).toBe(true);
    expect(await next.stop()).toBe(0);
  });

  it('recovers from a stale postmaster.pid naming a dead process', async () => {
    await fs.writeFile(path.join(dataDir, 'postgres', 'postmaster.pid'), '999999\n/nowhere\n');
    const next = await start();
    expect((await fetch(`${next.url}/readyz`)).status).toBe(200);
    expect(await next.stop()).toBe(0);
  });

  it('refuses bad configuration with a message naming the variable', async () => {
    await expect(spawnServer({ DATA_DIR: dataDir, PORT: 'abc' })).rejects.toThrow(
      /PORT must be an integer/,
    );
  });
});

describe('the server process on the external PostgreSQL', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('external');
  });
  afterAll(() => db.drop());

  it('migrates, serves and shuts down cleanly', async () => {
    const s = await spawnServer({ DATABASE_URL: db.url, DATA_DIR: '/nonexistent-not-needed' });
    try {
      expect(
        s.logs.find(
          (l) => l.msg === 'Parley is listening' || String(l.msg).startsWith('Parley is listening'),
        ),
      ).toMatchObject({ engine: 'external' });
      expect((await fetch(`${s.url}/readyz`)).status).toBe(200);
      const docs = await fetch(`${s.url}/api/v1/openapi.json`);
      expect(docs.status).toBe(200);
    } finally {
      expect(await s.stop()).toBe(0);
    }
  });
});
