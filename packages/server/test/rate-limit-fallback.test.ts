/** With Redis unreachable, the shared limiters fall back to this node's own limits (and say so once). */
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { AttemptLimiter } from '../src/domain/auth/attempt-limiter.js';
import { TokenBucketLimiter } from '../src/domain/messages/send-rate-limiter.js';
import { freePort } from '../src/free-port.js';
import { createRedis } from '../src/realtime/redis.js';
import { RedisAttemptCounter, RedisSendLimiter } from '../src/rate-limit/redis-limiters.js';

describe('shared rate limits while Redis is down', async () => {
  const lines: { msg: string }[] = [];
  const log = pino(
    { level: 'info' },
    { write: (line: string) => lines.push(JSON.parse(line) as { msg: string }) },
  );
  // Nothing listens on this port: every command fails at once (no offline queue).
  const redis = createRedis(
    `redis://127.0.0.1:${await freePort()}`,
    pino({ level: 'silent' }),
    'test',
  );
  afterAll(() => redis.disconnect());

  it('sends: the node-local bucket still limits', async () => {
    const sends = new RedisSendLimiter(redis, 't:', 1, 1, new TokenBucketLimiter(1, 1), log);
    await sends.take('u1');
    await expect(sends.take('u1')).rejects.toMatchObject({ code: 'rate_limited' });
    expect(lines.filter((l) => l.msg.startsWith('shared send limit unavailable'))).toHaveLength(1);
  });

  it('attempts: the node-local window still limits', async () => {
    const attempts = new RedisAttemptCounter(redis, 't:', 1, new AttemptLimiter(1), log);
    await attempts.hit('ip:x');
    await expect(attempts.hit('ip:x')).rejects.toMatchObject({ code: 'rate_limited' });
  });
});
