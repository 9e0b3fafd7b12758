/**
 * Redis connections for realtime. One factory so every client has the same behaviour during an
 * outage: commands fail fast instead of piling up (publishing is best effort, presence is
 * refreshed by heartbeats) and the connection retries every ≤ 1 s forever.
 */
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';

export function createRedis(
  url: string,
  log: Logger,
  role: string,
  extra: RedisOptions = {},
): Redis {
  const client = new Redis(url, {
    connectionName: `parley-${role}`,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    retryStrategy: (times) => Math.min(times * 100, 1000),
    ...extra,
  });
  let down = false;
  client.on('error', (err: Error) => {
    if (!down) log.warn({ err: err.message, role }, 'redis connection error');
    down = true;
  });
  client.on('ready', () => {
    if (down) log.info({ role }, 'redis connection restored');
    down = false;
  });
  return client;
}

/** Wait until a client is ready, at most `ms`; resolves either way (the client keeps retrying). */
export function whenReady(client: Redis, ms: number): Promise<boolean> {
  if (client.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => done(false), ms);
    const onReady = () => done(true);
    function done(ok: boolean) {
      clearTimeout(timer);
      client.off('ready', onReady);
      resolve(ok);
    }
    client.on('ready', onReady);
  });
}
