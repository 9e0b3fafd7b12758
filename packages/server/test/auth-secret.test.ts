import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../src/db/migrate.js';
import { createPool, type Pool } from '../src/db/pool.js';
import { loadJwtSecret } from '../src/domain/auth/jwt-secret.js';
import { createTestDatabase, ENGINES, type TestDatabase } from './helpers/databases.js';

describe('JWT signing secret', () => {
  const dirs: string[] = [];
  const tmp = async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'parley-secret-'));
    dirs.push(dir);
    return dir;
  };
  const log = pino({ level: 'silent' });
  let db: TestDatabase;
  let pool: Pool;
  beforeAll(async () => {
    db = await createTestDatabase('external');
    pool = createPool(db.url, 4);
    await migrate(pool, log);
  });
  afterAll(async () => {
    for (const dir of dirs) await fs.rm(dir, { recursive: true, force: true });
    await pool.end();
    await db.drop();
  });

  it('generates 48 random bytes into DATA_DIR/jwt-secret (0600) once, and reuses them', async () => {
    const dataDir = path.join(await tmp(), 'nested', 'data');
    const a = await loadJwtSecret(
      { jwtSecret: undefined, dataDir, databaseUrl: undefined },
      log,
      pool,
    );
    expect(Buffer.from(a, 'base64url')).toHaveLength(48);
    const stat = await fs.stat(path.join(dataDir, 'jwt-secret'));
    expect(stat.mode & 0o777).toBe(0o600);
    const [b, c] = await Promise.all([
      loadJwtSecret({ jwtSecret: undefined, dataDir, databaseUrl: undefined }, log, pool),
      loadJwtSecret({ jwtSecret: undefined, dataDir, databaseUrl: undefined }, log, pool),
    ]);
    expect([b, c]).toEqual([a, a]);
  });

  it('prefers JWT_SECRET and then writes nothing', async () => {
    const dataDir = await tmp();
    const secret = 's'.repeat(40);
    expect(
      await loadJwtSecret({ jwtSecret: secret, dataDir, databaseUrl: undefined }, log, pool),
    ).toBe(secret);
    expect(await fs.readdir(dataDir)).toEqual([]);
  });

  it('refuses a truncated secret file', async () => {
    const dataDir = await tmp();
    await fs.writeFile(path.join(dataDir, 'jwt-secret'), 'short\n');
    await expect(
      loadJwtSecret({ jwtSecret: undefined, dataDir, databaseUrl: undefined }, log, pool),
    ).rejects.toThrow(/shorter than 32/);
  });
});

describe.each(ENGINES)('JWT signing secret shared through %s PostgreSQL', (engine) => {
  it('is generated once in the database and read by every node', async () => {
    const log = pino({ level: 'silent' });
    const db = await createTestDatabase(engine);
    const pools = [createPool(db.url, 2), createPool(db.url, 2), createPool(db.url, 2)];
    try {
      await migrate(pools[0]!, log);
      const config = { jwtSecret: undefined, dataDir: '/nonexistent', databaseUrl: db.url };
      const secrets = await Promise.all(pools.map((p) => loadJwtSecret(config, log, p)));
      expect(new Set(secrets).size).toBe(1);
      expect(Buffer.from(secrets[0]!, 'base64url')).toHaveLength(48);
      expect(await loadJwtSecret(config, log, pools[1]!)).toBe(secrets[0]);
    } finally {
      await Promise.all(pools.map((p) => p.end()));
      await db.drop();
    }
  });
});
