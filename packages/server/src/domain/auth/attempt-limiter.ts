/**
 * Counts authentication attempts per key (an IP, a username) in fixed one-minute windows, in
 * process memory. Lifecycle: windows are created on the first attempt of a key and dropped by
 * a sweep once expired (the map never outgrows the keys active in the last minute).
 *
 * Per node: with N nodes behind a balancer an attacker gets at most N × the limit, which still
 * bounds online guessing; argon2id bounds what each guess costs us. A shared Redis counter can
 * replace this class without touching its callers.
 */
import { AppError } from '../../errors.js';

interface Window {
  count: number;
  resetAt: number;
}

export class AttemptLimiter {
  readonly #windows = new Map<string, Window>();
  #nextSweep = 0;

  constructor(
    readonly maxPerWindow: number,
    readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one attempt for every key; throws `rate_limited` (with seconds to wait) if any is over. */
  hit(...keys: string[]): void {
    const now = this.now();
    this.#sweep(now);
    let retryAfterMs = 0;
    for (const key of keys) {
      let w = this.#windows.get(key);
      if (!w || w.resetAt <= now) {
        w = { count: 0, resetAt: now + this.windowMs };
        this.#windows.set(key, w);
      }
      if (w.count >= this.maxPerWindow) retryAfterMs = Math.max(retryAfterMs, w.resetAt - now);
    }
    if (retryAfterMs > 0) {
      const retryAfterS = Math.max(1, Math.ceil(retryAfterMs / 1000));
      throw new AppError('rate_limited', `too many attempts; retry in ${retryAfterS} s`, {
        retry_after_s: retryAfterS,
      });
    }
    // Only attempts that are let through count, so waiting out the window always works.
    for (const key of keys) this.#windows.get(key)!.count++;
  }

  #sweep(now: number): void {
    if (now < this.#nextSweep) return;
    this.#nextSweep = now + this.windowMs;
    for (const [key, w] of this.#windows) if (w.resetAt <= now) this.#windows.delete(key);
  }
}
