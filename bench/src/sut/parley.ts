/**
 * Parley under test: one or more nodes of the built server (`packages/server/dist/main.js`, what
 * `npm start` runs) on a fresh database — a new database in the machine's PostgreSQL
 * (external) or a fresh DATA_DIR (embedded). Limits that would throttle a load test (rate limits,
 * argon2 cost for the many bench users) are raised through the documented env variables; nothing
 * else is changed. `stop()` stops the nodes, then drops the database or removes the directory.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { INSPECT_ARG } from './inspector.js';
import { freePort, startProgram, type ServerProcess } from './server-process.js';

export const MAIN_JS = fileURLToPath(
  new URL('../../../packages/server/dist/main.js', import.meta.url),
);
export const PG_ADMIN_URL =
  process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

export type Engine = 'external' | 'embedded';

export interface ParleyCluster {
  nodes: ServerProcess[];
  engine: Engine;
  /** Set for the external engine: the bench seeds bulk history through it. */
  databaseUrl?: string;
  stop(): Promise<void>;
}

export interface ClusterOptions {
  nodes?: number;
  engine?: Engine;
  redis?: boolean;
  env?: Record<string, string>;
  /** Nodes whose garbage the bench can collect on demand (sut/inspector.ts). */
  inspect?: boolean;
}

const BENCH_ENV: Record<string, string> = {
  HOST: '127.0.0.1',
  LOG_LEVEL: 'warn',
  LOG_PRETTY: 'false',
  JWT_SECRET: randomBytes(32).toString('base64url'),
  ACCESS_TOKEN_TTL_S: '86400',
  RATE_LIMIT_AUTH_PER_MIN: '1000000',
  RATE_LIMIT_API_PER_MIN: '10000000',
  RATE_LIMIT_SEND_PER_S: '1000000',
  RATE_LIMIT_SEND_BURST: '1000000',
  WS_FRAMES_PER_S: '1000000',
  WS_FRAME_BURST: '1000000',
  PASSWORD_HASH_MEMORY_KIB: '1024',
  PASSWORD_HASH_TIME_COST: '1',
  ALLOW_GUESTS: 'true',
};

export async function adminQuery(sql: string, url = PG_ADMIN_URL): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

export async function startParley(options: ClusterOptions = {}): Promise<ParleyCluster> {
  if (!existsSync(MAIN_JS)) throw new Error(`${MAIN_JS} is missing: run "npm run build" first`);
  const engine = options.engine ?? 'external';
  const env: Record<string, string> = { ...BENCH_ENV, ...options.env };
  let cleanup: () => Promise<void>;
  let databaseUrl: string | undefined;
  if (engine === 'external') {
    const name = `parley_bench_${randomBytes(5).toString('hex')}`;
    await adminQuery(`CREATE DATABASE ${name}`);
    const url = new URL(PG_ADMIN_URL);
    url.pathname = `/${name}`;
    databaseUrl = env.DATABASE_URL = url.toString();
    cleanup = () =>
      adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).then(() => undefined);
  } else {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'parley-bench-'));
    await fs.chmod(dir, 0o755); // as root, the embedded PostgreSQL runs as the postgres user
    env.DATA_DIR = dir;
    cleanup = () => fs.rm(dir, { recursive: true, force: true });
  }
  if (options.redis) env.REDIS_URL = REDIS_URL;
  // BENCH_CPU_PROF=<dir>: every node writes a V8 CPU profile there on exit (open in DevTools).
  const profDir = process.env.BENCH_CPU_PROF;
  const nodeArgs = profDir ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(profDir)}`] : [];
  if (options.inspect) nodeArgs.push(INSPECT_ARG);
  const nodes: ServerProcess[] = [];
  const stop = async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    await cleanup();
  };
  const start = async (i: number) => {
    const port = await freePort();
    const node = await startProgram(
      `parley-${i}`,
      [...nodeArgs, MAIN_JS],
      { ...env, PORT: String(port) },
      port,
      '/readyz',
    );
    nodes[i] = node;
  };
  try {
    // The first node migrates the fresh database; the others then start together.
    await start(0);
    const rest = Array.from({ length: (options.nodes ?? 1) - 1 }, (_, i) => start(i + 1));
    const failed = (await Promise.allSettled(rest)).find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
  } catch (err) {
    await stop();
    throw err;
  }
  return { nodes, engine, databaseUrl, stop };
}
