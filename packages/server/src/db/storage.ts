/**
 * Storage is one pg pool, whichever engine sits behind it: an external PostgreSQL named by
 * DATABASE_URL, or the embedded one started here. `close()` ends the pool first, then stops the
 * embedded server, so no query is cut off by the database going away.
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
    return { pool, engine: 'external', close: () => pool.end() };
  }
  const embedded = await startEmbeddedPostgres(config.dataDir, log);
  const pool = createPool(embedded.url, config.dbPoolMax);
  return {
    pool,
    engine: 'embedded',
    close: async () => {
      await pool.end();
      await embedded.stop();
    },
  };
}
