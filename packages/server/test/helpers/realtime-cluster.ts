/**
 * Multi-process realtime fixtures: a private Redis server (its own port, so restarting it never
 * disturbs other tests) and several built Parley processes sharing one external PostgreSQL
 * database and that Redis. Everything started here is stopped by the returned `stop()`.
 */
import { freePort } from '../../src/free-port.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { createTestDatabase, type TestDatabase } from './databases.js';
import { uniquePrefix } from './realtime.js';
import { spawnServer, type ServerProcess } from './server-process.js';

export interface RedisProcess {
  url: string;
  /** Kill the server (SIGKILL: nothing is flushed, like a crash) and wait for it to exit. */
  kill(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export async function startRedis(): Promise<RedisProcess> {
  const port = await freePort();
  let proc: ChildProcess | undefined;
  const start = async () => {
    proc = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    const probe = new Redis(port, '127.0.0.1', { lazyConnect: true, retryStrategy: () => 50 });
    probe.on('error', () => undefined); // refused until the server is up
    for (let i = 0; i < 100; i++) {
      try {
        await probe.connect();
        await probe.ping();
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    probe.disconnect();
  };
  const kill = async () => {
    const p = proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGKILL');
    await exited;
  };
  await start();
  return { url: `redis://127.0.0.1:${port}`, kill, start, stop: kill };
}

export interface Cluster {
  nodes: ServerProcess[];
  redis: RedisProcess;
  db: TestDatabase;
  env: Record<string, string>;
  stop(): Promise<void>;
}

/** `n` server processes on one external database and one private Redis. */
export async function startCluster(
  n: number,
  extraEnv: Record<string, string> = {},
): Promise<Cluster> {
  const db = await createTestDatabase('external');
  const redis = await startRedis();
  const env = {
    DATABASE_URL: db.url,
    REDIS_URL: redis.url,
    REDIS_PREFIX: uniquePrefix(),
    JWT_SECRET: 'cluster-test-secret-that-is-long-enough-0123456789',
    DATA_DIR: '/tmp',
    LOG_LEVEL: 'info',
    RATE_LIMIT_API_PER_MIN: '1000000',
    RATE_LIMIT_AUTH_PER_MIN: '100000',
    RATE_LIMIT_SEND_PER_S: '100000',
    RATE_LIMIT_SEND_BURST: '100000',
    REALTIME_RECONCILE_MS: '300',
    ...extraEnv,
  };
  const nodes: ServerProcess[] = [];
  // One at a time: the first runs the migrations, the others find them applied.
  for (let i = 0; i < n; i++) nodes.push(await spawnServer(env));
  return {
    nodes,
    redis,
    db,
    env,
    stop: async () => {
      await Promise.all(nodes.map((s) => s.stop('SIGTERM')));
      await redis.stop();
      await db.drop();
    },
  };
}

/** Resident memory of a process in bytes (Linux). */
export async function rssOf(pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  return Number(kb) * 1024;
}
