/**
 * Retention of the per-room event log (DESIGN.md "Resume": keep the log long enough to resume;
 * past it, send `resync`). Messages are history and stay in `messages`; `events` only serves
 * realtime catch-up, so events older than EVENT_RETENTION_DAYS are deleted. A client resuming from
 * a position older than that gets `resync` and reloads the room over REST.
 *
 * Lifecycle: `start()` schedules a run shortly after boot and then every `intervalMs`; `stop()`
 * clears the timer and waits for a run in progress. Across nodes, a session-level advisory lock
 * makes one node prune at a time (the others skip that round). Deletes go in batches so a large
 * backlog never holds long locks or one huge transaction.
 */
import type { Logger } from 'pino';
import type { Pool } from '../db/pool.js';

// Arbitrary, fixed: identifies "event pruning" among advisory locks.
const LOCK_KEY = 0x70727565; // 'prue'
const BATCH = 5_000;

export interface EventRetention {
  start(): void;
  stop(): Promise<void>;
  /** One pruning pass now; resolves with the number of events deleted (0 if another node holds the lock). */
  pruneOnce(): Promise<number>;
}

export function createEventRetention(
  pool: Pool,
  log: Logger,
  options: { retentionDays: number; intervalMs?: number; firstRunMs?: number },
): EventRetention {
  const intervalMs = options.intervalMs ?? 3_600_000;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;

  async function pruneOnce(): Promise<number> {
    if (options.retentionDays <= 0) return 0;
    const client = await pool.connect();
    try {
      const { rows } = await client.query<{ locked: boolean }>(
        'SELECT pg_try_advisory_lock($1) AS locked',
        [LOCK_KEY],
      );
      if (!rows[0]?.locked) return 0;
      try {
        let total = 0;
        for (;;) {
          const { rowCount } = await client.query(
            `DELETE FROM events WHERE ctid IN (
               SELECT ctid FROM events
               WHERE created_at < now() - make_interval(days => $1)
               LIMIT $2)`,
            [options.retentionDays, BATCH],
          );
          total += rowCount ?? 0;
          if ((rowCount ?? 0) < BATCH) break;
        }
        if (total > 0)
          log.info(
            { deleted: total, retention_days: options.retentionDays },
            'pruned old room events',
          );
        return total;
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]);
      }
    } finally {
      client.release();
    }
  }

  const run = () => {
    running ??= pruneOnce()
      .catch((err: unknown) => {
        log.warn({ err }, 'pruning old room events failed; will retry');
        return 0;
      })
      .finally(() => (running = undefined));
  };

  return {
    pruneOnce,
    start() {
      if (options.retentionDays <= 0 || timer) return;
      timer = setTimeout(function tick() {
        run();
        timer = setTimeout(tick, intervalMs).unref();
      }, options.firstRunMs ?? 60_000).unref();
    },
    async stop() {
      clearTimeout(timer);
      timer = undefined;
      await running;
    },
  };
}
