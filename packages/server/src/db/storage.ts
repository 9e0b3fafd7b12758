/**
 * Storage is one pg pool, whichever engine sits behind it: an external PostgreSQL named by
 * DATABASE_URL, or the embedded one started here. `close()` ends the pool first, then stops the
 * embedded server, so no query is cut off by the database going away.
 *
 * Before ending the pool, `close()` waits (briefly, bounded) for it to go quiet: the HTTP server
 * has stopped by then, but a request whose client already hung up is not waited for by it and may
 * still be between two queries (e.g. queued in a lookup batch, db/batch-queue.ts); ending the pool
 * under it would fail its next query with "Cannot use a pool after calling end".
 */
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { startEmbeddedPostgres } from './embedded.js';
import { createPool, type Pool } from './pool.js';

export interface Storage {
  pool: Pool;
  engine: 'embedded' | 'external';
  close(): Promise<void>;
}

export async function openStorage(
  config: Pick<Config, 'databaseUrl' | 'dataDir' | 'dbPoolMax'>,
  log: Logger,
): Promise<Storage> {
  if (config.databaseUrl) {
    const pool = createPool(config.databaseUrl, config.dbPoolMax);
    return { pool, engine: 'external', close: () => endPool(pool) };
  }
  const embedded = await startEmbeddedPostgres(config.dataDir, log);
  const pool = createPool(embedded.url, config.dbPoolMax);
  return {
    pool,
    engine: 'embedded',
    close: async () => {
      await endPool(pool);
      await embedded.stop();
    },
  };
}

async function endPool(pool: Pool): Promise<void> {
  await quiesce(pool);
  await pool.end();
}

const QUIET_MS = 50;
const QUIESCE_MAX_MS = 2_000;

/** Resolves once no client has been checked out or awaited for QUIET_MS, or after QUIESCE_MAX_MS. */
async function quiesce(pool: Pool): Promise<void> {
  const deadline = Date.now() + QUIESCE_MAX_MS;
  let quietSince = Date.now();
  while (Date.now() < deadline) {
    const busy = pool.totalCount - pool.idleCount + pool.waitingCount > 0;
    if (busy) quietSince = Date.now();
    else if (Date.now() - quietSince >= QUIET_MS) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
