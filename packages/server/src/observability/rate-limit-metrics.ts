/**
 * Counts a limiter's rejections in `parley_rate_limit_rejections_total{scope}` without the
 * limiter knowing about metrics: the wrapped method is called as before, and a thrown
 * `rate_limited` error is counted on its way out. Used by app.ts (send) and the identity
 * wiring (auth); the global API limiter counts through @fastify/rate-limit's `onExceeded`.
 */
import { AppError } from '../errors.js';
import type { Metrics, RateLimitScope } from './metrics.js';

export function countRejections<A extends unknown[]>(
  check: (...args: A) => void | Promise<void>,
  metrics: Metrics | undefined,
  scope: RateLimitScope,
): (...args: A) => void | Promise<void> {
  if (!metrics) return check;
  const count = (err: unknown): never => {
    if (err instanceof AppError && err.code === 'rate_limited')
      metrics.rateLimitRejections.inc({ scope });
    throw err;
  };
  return (...args) => {
    try {
      const result = check(...args);
      return result instanceof Promise ? result.catch(count) : result;
    } catch (err) {
      return count(err);
    }
  };
}
