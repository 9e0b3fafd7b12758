/**
 * Query latency for every query on a pg pool, without touching the code that runs them.
 *
 * The pool emits `acquire` for every checkout — `pool.query()` (which checks out internally and
 * calls `client.query` with a callback) as much as `pool.connect()` in `withTransaction` — so the
 * first time a client is handed out, its `query` method is wrapped once. The wrapper times
 * promise- and callback-style calls; streaming submittables (cursors) are passed through untimed.
 * Labels carry only the outcome, never SQL text (unbounded cardinality, and it may hold data).
 */
import type { Pool, PoolClient } from '../db/pool.js';
import type { Metrics } from './metrics.js';

type QueryFn = (...args: unknown[]) => unknown;

const WRAPPED = Symbol('parley.queryTimed');
/** The metrics a pool records into; a holder so a re-instrumented pool points at the new app. */
const targets = new WeakMap<Pool, { metrics: Metrics }>();

export function instrumentPool(pool: Pool, metrics: Metrics): void {
  const existing = targets.get(pool);
  if (existing) {
    existing.metrics = metrics;
    return;
  }
  const target = { metrics };
  targets.set(pool, target);
  pool.on('acquire', (client: PoolClient) => {
    const c = client as PoolClient & { [WRAPPED]?: true };
    if (c[WRAPPED]) return;
    c[WRAPPED] = true;
    const original = c.query.bind(c) as QueryFn;
    const timed: QueryFn = (...args) => {
      const end = () => {
        const started = process.hrtime.bigint();
        return (ok: boolean) =>
          target.metrics.dbQueryDuration.observe(
            { outcome: ok ? 'ok' : 'error' },
            Number(process.hrtime.bigint() - started) / 1e9,
          );
      };
      const last = args.length - 1;
      const callback = args[last];
      if (typeof callback === 'function') {
        const done = end();
        args[last] = (err: unknown, ...rest: unknown[]) => {
          done(!err);
          return (callback as QueryFn)(err, ...rest);
        };
        return original(...args);
      }
      const done = end();
      const result = original(...args);
      if (isThenable(result))
        result.then(
          () => done(true),
          () => done(false),
        );
      return result;
    };
    (c as unknown as { query: QueryFn }).query = timed;
  });
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
