/**
 * Per-user send rate limit: a token bucket of `burst` tokens refilled at `perSecond`. Lazy refill,
 * so an idle user costs nothing but a map entry; full buckets are swept when the map grows.
 *
 * Scope: per node. With REDIS_URL set, app.ts uses the shared limiter in rate-limit/ instead
 * (this one stays its fallback during a Redis outage). Sends are also bounded by the API limit.
 */
import { AppError } from '../../errors.js';

export interface SendRateLimiter {
  /**
   * Takes one token or throws (or rejects with) `rate_limited` with `details.retry_after_s`.
   * In memory it answers synchronously; the shared Redis limiter (rate-limit/) asynchronously.
   */
  take(userId: string): void | Promise<void>;
}

interface Bucket {
  tokens: number;
  at: number;
}

const SWEEP_ABOVE = 10_000;

export class TokenBucketLimiter implements SendRateLimiter {
  readonly #buckets = new Map<string, Bucket>();

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  take(userId: string): void {
    const now = this.now();
    const bucket = this.#refill(this.#buckets.get(userId), now);
    if (bucket.tokens < 1) {
      const retryAfterS = Math.max(1, Math.ceil((1 - bucket.tokens) / this.perSecond));
      throw new AppError('rate_limited', `sending too fast; retry in ${retryAfterS} s`, {
        retry_after_s: retryAfterS,
      });
    }
    bucket.tokens -= 1;
    this.#buckets.set(userId, bucket);
    if (this.#buckets.size > SWEEP_ABOVE) this.#sweep(now);
  }

  #refill(bucket: Bucket | undefined, now: number): Bucket {
    if (!bucket) return { tokens: this.burst, at: now };
    const tokens = Math.min(
      this.burst,
      bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond,
    );
    return { tokens, at: now };
  }

  #sweep(now: number): void {
    for (const [user, bucket] of this.#buckets)
      if (this.#refill(bucket, now).tokens >= this.burst) this.#buckets.delete(user);
  }
}
