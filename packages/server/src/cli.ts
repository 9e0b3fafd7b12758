/**
 * The operator CLI (`npm run parley -- <command>`, `npm run migrate`):
 *
 *   migrate                                            apply pending migrations
 *   create-user --username U [--password P | --password-stdin] [--display-name N] [--admin]
 *   reset-password --username U [--password P | --password-stdin]   (ends all the user's sessions)
 *
 * It reads the same configuration as the server (environment and `.env`). With the embedded
 * database it connects to the instance a running Parley already started (found through
 * `postmaster.pid`), and otherwise starts and stops one itself — it never stops a live server's
 * database. Exit codes: 0 done, 1 refused or failed, 2 bad usage.
 */
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import dotenv from 'dotenv';
import pino from 'pino';
import { ConfigError, loadConfig, type Config } from './config.js';
import { migrate } from './db/migrate.js';
import { createPool, type Pool } from './db/pool.js';
import { openStorage } from './db/storage.js';
import { createPasswordHasher } from './domain/auth/index.js';
import {
  normalizeDisplayName,
  normalizePassword,
  normalizeUsername,
} from './domain/users/user.rules.js';
import { UserService } from './domain/users/user.service.js';
import { AttemptLimiter } from './domain/auth/attempt-limiter.js';
import { AppError } from './errors.js';
import { VERSION } from './version.js';

export interface CliIo {
  env: Record<string, string | undefined>;
  stdout: (line: string) => void;
  stderr: (line: string) => void;
  /** The whole of standard input (for --password-stdin). */
  readStdin: () => Promise<string>;
}

const USAGE = `usage: parley <command> [options]
  migrate
  create-user --username <name> (--password <pw> | --password-stdin) [--display-name <name>] [--admin]
  reset-password --username <name> (--password <pw> | --password-stdin)`;

class UsageError extends Error {}

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (!command || command === 'help' || command === '--help') {
      io.stdout(USAGE);
      return command ? 0 : 2;
    }
    const config = loadConfig(io.env, VERSION);
    switch (command) {
      case 'migrate':
        parse(rest, {});
        return await withDatabase(config, async (pool, log) => {
          const applied = await migrate(pool, log);
          io.stdout(applied.length ? `applied migrations ${applied.join(', ')}` : 'up to date');
          return 0;
        });
      case 'create-user': {
        const opts = parse(rest, {
          username: { type: 'string' },
          password: { type: 'string' },
          'password-stdin': { type: 'boolean' },
          'display-name': { type: 'string' },
          admin: { type: 'boolean' },
        });
        const username = normalizeUsername(required(opts.username, '--username'));
        const password = normalizePassword(await passwordFrom(opts, io));
        const displayName = normalizeDisplayName(
          typeof opts['display-name'] === 'string' ? opts['display-name'] : username,
        );
        return await withDatabase(config, async (pool) => {
          await migrate(pool, pino({ level: 'silent' }));
          const users = userService(config, pool);
          const passwordHash = await createPasswordHasher(config).hash(password);
          const row = await users.create({
            username,
            displayName,
            passwordHash,
            role: opts.admin ? 'admin' : 'auto',
          });
          io.stdout(`created user ${row.username} (${row.role}, id ${row.id})`);
          return 0;
        });
      }
      case 'reset-password': {
        const opts = parse(rest, {
          username: { type: 'string' },
          password: { type: 'string' },
          'password-stdin': { type: 'boolean' },
        });
        const username = required(opts.username, '--username');
        const password = await passwordFrom(opts, io);
        return await withDatabase(config, async (pool) => {
          const row = await userService(config, pool).resetPassword(username, password);
          io.stdout(`password reset for ${row.username}; all of its sessions were ended`);
          return 0;
        });
      }
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`parley: ${err.message}\n${USAGE}`);
      return 2;
    }
    if (err instanceof AppError || err instanceof ConfigError) {
      io.stderr(`parley: ${err.message}`);
      return 1;
    }
    io.stderr(`parley: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}

type Options = Parameters<typeof parseArgs>[0] extends infer T
  ? T extends { options?: infer O }
    ? NonNullable<O>
    : never
  : never;

function parse(args: string[], options: Options): Record<string, string | boolean | undefined> {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values as Record<
      string,
      string | boolean | undefined
    >;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

function required(value: string | boolean | undefined, flag: string): string {
  if (typeof value !== 'string' || value === '') throw new UsageError(`${flag} is required`);
  return value;
}

/** `--password-stdin` is preferred: a password on the command line lands in shell history. */
async function passwordFrom(
  opts: Record<string, string | boolean | undefined>,
  io: CliIo,
): Promise<string> {
  if (opts['password-stdin']) return (await io.readStdin()).replace(/\r?\n$/, '');
  return required(opts.password, '--password or --password-stdin');
}

function userService(config: Config, pool: Pool): UserService {
  return new UserService({
    pool,
    config,
    // Operator commands publish nothing live: a running server's clients catch up from the log.
    events: { publish: () => undefined },
    passwords: createPasswordHasher(config),
    attempts: new AttemptLimiter(Number.MAX_SAFE_INTEGER),
  });
}

/**
 * Runs `fn` with a pool on the configured database: DATABASE_URL; or the embedded PostgreSQL a
 * running Parley holds; or one started (and stopped again) here.
 */
async function withDatabase(
  config: Config,
  fn: (pool: Pool, log: pino.Logger) => Promise<number>,
): Promise<number> {
  const log = pino({ level: config.logLevel === 'silent' ? 'silent' : 'warn' });
  const runningUrl = config.databaseUrl ? undefined : await runningEmbeddedUrl(config.dataDir);
  if (config.databaseUrl || runningUrl) {
    const pool = createPool((config.databaseUrl ?? runningUrl)!, 2);
    try {
      return await fn(pool, log);
    } finally {
      await pool.end();
    }
  }
  const storage = await openStorage({ ...config, dbPoolMax: 2 }, log);
  try {
    return await fn(storage.pool, log);
  } finally {
    await storage.close();
  }
}

/** The URL of a live embedded PostgreSQL in DATA_DIR (postmaster.pid line 4 is its port). */
async function runningEmbeddedUrl(dataDir: string): Promise<string | undefined> {
  const pidFile = path.join(dataDir, 'postgres', 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const lines = (await fs.readFile(pidFile, 'utf8')).split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || !Number.isInteger(port) || !alive(pid)) return undefined;
  const { password } = JSON.parse(
    await fs.readFile(path.join(dataDir, 'postgres.json'), 'utf8'),
  ) as { password: string };
  return `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/parley`;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const isMain =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain) {
  dotenv.config({ quiet: true });
  const code = await runCli(process.argv.slice(2), {
    env: process.env,
    stdout: (line) => process.stdout.write(`${line}\n`),
    stderr: (line) => process.stderr.write(`${line}\n`),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
  });
  process.exitCode = code;
}
