/**
 * A real Parley app on a fresh database, listening on a free loopback port. The returned `close()`
 * stops the app, ends its pool and drops the database: every test that starts one stops it.
 */
import pino from 'pino';
import { buildApp } from '../../src/app.js';
import { testConfig, type Config } from '../../src/config.js';
import { migrate } from '../../src/db/migrate.js';
import { createPool, type Pool } from '../../src/db/pool.js';
import type { App } from '../../src/http/types.js';
import { Lifecycle } from '../../src/lifecycle.js';
import { createTestDatabase, type Engine } from './databases.js';

export interface TestApp {
  app: App;
  url: string;
  pool: Pool;
  config: Config;
  lifecycle: Lifecycle;
  close(): Promise<void>;
}

export async function startTestApp(
  engine: Engine,
  overrides: Partial<Config> = {},
  setup?: (app: App) => void,
): Promise<TestApp> {
  const db = await createTestDatabase(engine);
  const config = testConfig({ databaseUrl: db.url, ...overrides });
  const log = pino({ level: 'silent' });
  const pool = createPool(db.url, 10);
  await migrate(pool, log);
  const lifecycle = new Lifecycle();
  const app = await buildApp(config, { pool, log, lifecycle });
  setup?.(app);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    pool,
    config,
    lifecycle,
    close: async () => {
      await lifecycle.beginDrain();
      await app.close();
      await pool.end();
      await db.drop();
    },
  };
}
