/**
 * Shared rate limits for several nodes: the same contracts as the in-memory limiters
 * (domain/auth/attempt-limiter.ts, domain/messages/send-rate-limiter.ts), kept in Redis so a
 * user or an IP gets the configured limit across the whole cluster, not N × it. Each check is one
 * atomic Lua script (read, decide, write), so concurrent nodes cannot both take the last token.
 *
 * Outages: when Redis does not answer, the node falls back to its own in-memory limiter for that
 * check (still bounded per node, as without Redis) rather than refusing every login or send.
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { AppError } from '../errors.js';

/** Counts attempts per key in fixed windows; refuses when any key is at its limit. */
export interface AttemptCounter {
  hit(...keys: string[]): void | Promise<void>;
}

/** Takes one send token for a user or throws `rate_limited`. */
export interface SendLimiter {
  take(userId: string): void | Promise<void>;
}

// KEYS: window keys. ARGV: max, windowMs. Returns 0 when counted, else ms until the fullest
// window resets. Only attempts that are let through count (same rule as the in-memory limiter).
const FIXED_WINDOW = `
local wait = 0
for i, key in ipairs(KEYS) do
  local n = tonumber(redis.call('GET', key) or '0')
  if n >= tonumber(ARGV[1]) then
    local ttl = redis.call('PTTL', key)
    if ttl > wait then wait = ttl end
  end
end
if wait > 0 then return wait end
for i, key in ipairs(KEYS) do
  if redis.call('INCR', key) == 1 then redis.call('PEXPIRE', key, ARGV[2]) end
end
return 0`;

// KEYS[1]: bucket hash. ARGV: perSecond, burst. Uses Redis' clock so nodes agree on time.
// Returns 0 when a token was taken, else ms until one is available.
const TOKEN_BUCKET = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local rate, burst = tonumber(ARGV[1]), tonumber(ARGV[2])
local b = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens, at = tonumber(b[1]), tonumber(b[2])
if tokens == nil then tokens, at = burst, now end
tokens = math.min(burst, tokens + (now - at) / 1000 * rate)
if tokens < 1 then return math.ceil((1 - tokens) / rate * 1000) end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens - 1), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return 0`;

/** Logs the first failure of an outage only: a login or send per failed check would flood logs. */
class OutageLog {
  #down = false;
  constructor(
    private readonly log: Logger,
    private readonly what: string,
  ) {}
  failed(err: unknown): void {
    if (!this.#down)
      this.log.warn(
        { err: (err as Error).message },
        `${this.what} unavailable; using this node's limit`,
      );
    this.#down = true;
  }
  ok(): void {
    if (this.#down) this.log.info(`${this.what} restored`);
    this.#down = false;
  }
}

const rateLimited = (message: string, waitMs: number) => {
  const retryAfterS = Math.max(1, Math.ceil(waitMs / 1000));
  return new AppError('rate_limited', `${message}; retry in ${retryAfterS} s`, {
    retry_after_s: retryAfterS,
  });
};

export class RedisAttemptCounter implements AttemptCounter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly maxPerWindow: number,
    private readonly fallback: AttemptCounter,
    log: Logger,
    private readonly windowMs = 60_000,
  ) {
    this.outage = new OutageLog(log, 'shared attempt limit');
  }
  private readonly outage: OutageLog;

  async hit(...keys: string[]): Promise<void> {
    let waitMs: number;
    try {
      const window = Math.floor(Date.now() / this.windowMs);
      const redisKeys = keys.map((k) => `${this.prefix}attempts:${window}:${k}`);
      waitMs = Number(
        await this.redis.eval(
          FIXED_WINDOW,
          redisKeys.length,
          ...redisKeys,
          this.maxPerWindow,
          this.windowMs,
        ),
      );
    } catch (err) {
      this.outage.failed(err);
      return this.fallback.hit(...keys);
    }
    this.outage.ok();
    if (waitMs > 0) throw rateLimited('too many attempts', waitMs);
  }
}

export class RedisSendLimiter implements SendLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly fallback: SendLimiter,
    log: Logger,
  ) {
    this.outage = new OutageLog(log, 'shared send limit');
  }
  private readonly outage: OutageLog;

  async take(userId: string): Promise<void> {
    let waitMs: number;
    try {
      waitMs = Number(
        await this.redis.eval(
          TOKEN_BUCKET,
          1,
          `${this.prefix}send:${userId}`,
          this.perSecond,
          this.burst,
        ),
      );
    } catch (err) {
      this.outage.failed(err);
      return this.fallback.take(userId);
    }
    this.outage.ok();
    if (waitMs > 0) throw rateLimited('sending too fast', waitMs);
  }
}
