import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli.js';
import { startEmbeddedPostgres } from '../src/db/embedded.js';
import { createPool } from '../src/db/pool.js';
import { createTestDatabase, ENGINES, type TestDatabase } from './helpers/databases.js';

const CLI_JS = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

function io(env: Record<string, string>, stdin = '') {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: {
      env: { LOG_LEVEL: 'silent', ...env },
      stdout: (l: string) => out.push(l),
      stderr: (l: string) => err.push(l),
      readStdin: async () => stdin,
    },
  };
}

describe.each(ENGINES)('operator CLI (%s PostgreSQL)', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
  });
  afterAll(() => db.drop());

  const query = async <T extends object>(sql: string, params: unknown[] = []) => {
    const pool = createPool(db.url, 1);
    try {
      return (await pool.query<T>(sql, params)).rows;
    } finally {
      await pool.end();
    }
  };

  it('migrates, creates users (first is admin, --admin forces it), resets passwords', async () => {
    const env = { DATABASE_URL: db.url };
    let r = io(env);
    expect(await runCli(['migrate'], r.io)).toBe(0);
    expect(r.out.join()).toMatch(/applied migrations 1, 2/);
    r = io(env);
    expect(await runCli(['migrate'], r.io)).toBe(0);
    expect(r.out).toEqual(['up to date']);

    r = io(env);
    expect(
      await runCli(['create-user', '--username', 'Root', '--password', 'root password'], r.io),
    ).toBe(0);
    expect(r.out[0]).toMatch(/created user root \(admin/);
    r = io(env, 'ops password\n');
    expect(
      await runCli(
        [
          'create-user',
          '--username',
          'ops',
          '--password-stdin',
          '--admin',
          '--display-name',
          'Ops Team',
        ],
        r.io,
      ),
    ).toBe(0);
    r = io(env);
    expect(
      await runCli(['create-user', '--username', 'plain', '--password', 'plain password'], r.io),
    ).toBe(0);
    const users = await query<{ username: string; role: string; display_name: string }>(
      `SELECT username, role, display_name FROM users ORDER BY created_at`,
    );
    expect(users).toEqual([
      { username: 'root', role: 'admin', display_name: 'root' },
      { username: 'ops', role: 'admin', display_name: 'Ops Team' },
      { username: 'plain', role: 'member', display_name: 'plain' },
    ]);
    const general = await query(
      `SELECT 1 FROM room_members m JOIN rooms r ON r.id = m.room_id WHERE r.name = 'general'`,
    );
    expect(general).toHaveLength(3);

    // A session to be ended by the reset:
    await query(
      `INSERT INTO sessions (user_id, refresh_token_hash, expires_at)
       SELECT id, '\\x01', now() + interval '1 day' FROM users WHERE username = 'plain'`,
    );
    r = io(env, 'a brand new one');
    expect(await runCli(['reset-password', '--username', 'PLAIN', '--password-stdin'], r.io)).toBe(
      0,
    );
    expect(r.out[0]).toMatch(/password reset for plain/);
    const live = await query(`SELECT 1 FROM sessions WHERE revoked_at IS NULL`);
    expect(live).toEqual([]);
  });

  it('refuses bad usage and bad input with clear messages and exit codes', async () => {
    const env = { DATABASE_URL: db.url };
    const cases: [string[], number, RegExp][] = [
      [[], 2, /usage/],
      [['explode'], 2, /unknown command/],
      [['create-user', '--password', 'long enough'], 2, /--username is required/],
      [['create-user', '--username', 'abc'], 2, /--password/],
      [['create-user', '--username', 'abc', '--password', 'x', '--bogus'], 2, /bogus/],
      [['create-user', '--username', 'a b', '--password', 'long enough'], 1, /username/],
      [['create-user', '--username', 'shorty', '--password', 'short'], 1, /8–256/],
      [['create-user', '--username', 'root', '--password', 'long enough'], 1, /taken/],
      [['reset-password', '--username', 'nobody', '--password', 'long enough'], 1, /not found/],
    ];
    for (const [args, code, message] of cases) {
      const r = io(env);
      expect(await runCli(args, r.io), args.join(' ')).toBe(code);
      expect([...r.err, ...r.out].join('\n')).toMatch(message);
    }
    const r = io({ DATABASE_URL: 'mysql://nope' });
    expect(await runCli(['migrate'], r.io)).toBe(1);
    expect(r.err.join()).toMatch(/DATABASE_URL/);
  });
});

describe('operator CLI with the embedded database', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'parley-cli-'));
    await fs.chmod(dataDir, 0o755);
  });
  afterAll(() => fs.rm(dataDir, { recursive: true, force: true }));

  it('uses the instance a running server holds, and leaves it running', async () => {
    const running = await startEmbeddedPostgres(dataDir, pino({ level: 'silent' }));
    try {
      const r = io({ DATA_DIR: dataDir }, 'embedded password');
      expect(await runCli(['create-user', '--username', 'emb', '--password-stdin'], r.io)).toBe(0);
      const pool = createPool(running.url, 1);
      try {
        const { rows } = await pool.query(`SELECT username, role FROM users`);
        expect(rows).toEqual([{ username: 'emb', role: 'admin' }]);
      } finally {
        await pool.end();
      }
    } finally {
      await running.stop();
    }
    // Not running now: the CLI starts the database itself, and stops it again.
    const r = io({ DATA_DIR: dataDir });
    expect(
      await runCli(['create-user', '--username', 'emb2', '--password', 'long enough'], r.io),
    ).toBe(0);
    expect(existsSync(path.join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
  });

  it('runs as the built `npm run parley` binary', async () => {
    if (!existsSync(CLI_JS))
      throw new Error(`${CLI_JS} is missing: run "npm run build" first (npm test does)`);
    const db = await createTestDatabase('external');
    try {
      const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>(
        (resolve, reject) => {
          const proc = spawn(
            process.execPath,
            [CLI_JS, 'create-user', '--username', 'bin', '--password-stdin'],
            {
              env: { PATH: process.env.PATH ?? '', DATABASE_URL: db.url, LOG_LEVEL: 'silent' },
              stdio: ['pipe', 'pipe', 'pipe'],
            },
          );
          let stdout = '';
          proc.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
          proc.on('error', reject);
          proc.on('exit', (code) => resolve({ code, stdout }));
          proc.stdin.end('binary password\n');
        },
      );
      expect(code).toBe(0);
      expect(stdout).toMatch(/created user bin \(admin/);
    } finally {
      await db.drop();
    }
  });
});
