/**
 * Which limiters a node uses: without REDIS_URL the in-memory ones (per node); with it the shared
 * Redis ones (per cluster), each falling back to the in-memory one during a Redis outage. Owns
 * its Redis connection: `close()` on app close.
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { AttemptLimiter } from '../domain/auth/attempt-limiter.js';
import { TokenBucketLimiter } from '../domain/messages/send-rate-limiter.js';
import type { Metrics } from '../observability/metrics.js';
import { countRejections } from '../observability/rate-limit-metrics.js';
import { createRedis } from '../realtime/redis.js';
import {
  RedisAttemptCounter,
  RedisSendLimiter,
  type AttemptCounter,
  type SendLimiter,
} from './redis-limiters.js';

export interface Limits {
  attempts: AttemptCounter;
  sends: SendLimiter;
  /** The shared connection, for @fastify/rate-limit's global API limit; undefined without Redis. */
  redis: Redis | undefined;
  close(): Promise<void>;
}

export function createLimits(
  config: Pick<
    Config,
    'redisUrl' | 'redisPrefix' | 'rateLimitAuthPerMin' | 'rateLimitSendPerS' | 'rateLimitSendBurst'
  >,
  log: Logger,
  metrics: Metrics | undefined,
): Limits {
  const localAttempts = new AttemptLimiter(config.rateLimitAuthPerMin);
  const localSends = new TokenBucketLimiter(config.rateLimitSendPerS, config.rateLimitSendBurst);
  let attempts: AttemptCounter = localAttempts;
  let sends: SendLimiter = localSends;
  let redis: Redis | undefined;
  if (config.redisUrl) {
    redis = createRedis(config.redisUrl, log, 'limits');
    const prefix = `${config.redisPrefix}limit:`;
    attempts = new RedisAttemptCounter(
      redis,
      prefix,
      config.rateLimitAuthPerMin,
      localAttempts,
      log,
    );
    sends = new RedisSendLimiter(
      redis,
      prefix,
      config.rateLimitSendPerS,
      config.rateLimitSendBurst,
      localSends,
      log,
    );
  }
  return {
    attempts: {
      hit: countRejections((...keys: string[]) => attempts.hit(...keys), metrics, 'auth'),
    },
    sends: { take: countRejections((userId: string) => sends.take(userId), metrics, 'send') },
    redis,
    close: async () => {
      if (redis) await redis.quit().catch(() => redis?.disconnect());
    },
  };
}
