/**
 * The process: load config → open storage (embedded or external PostgreSQL) → migrate → build the
 * app → listen → on SIGTERM/SIGINT drain (readiness 503, realtime clients told to reconnect),
 * stop accepting, let in-flight requests finish within SHUTDOWN_TIMEOUT_MS, close storage, exit 0.
 */
import closeWithGrace from 'close-with-grace';
import dotenv from 'dotenv';
import { buildApp } from './app.js';
import type { App } from './http/types.js';
import { ConfigError, loadConfig } from './config.js';
import { migrate } from './db/migrate.js';
import { openStorage } from './db/storage.js';
import { Lifecycle } from './lifecycle.js';
import { createLogger } from './observability/logger.js';
import { tracingState } from './observability/tracing-state.js';
import { VERSION } from './version.js';

dotenv.config({ quiet: true });

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env, VERSION);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`parley: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const log = createLogger(config);
  if (config.otelEndpoint && !tracingState.tracing) {
    log.warn(
      'OTEL_EXPORTER_OTLP_ENDPOINT is set but tracing is not loaded: start node with --import ./packages/server/dist/observability/instrument.js (npm start does)',
    );
  }
  const startedAt = Date.now();
  const storage = await openStorage(config, log);
  const lifecycle = new Lifecycle();

  // Filled once listening; a signal during start-up finds it empty and only closes storage.
  const running: { app?: App } = {};
  closeWithGrace(
    { delay: config.shutdownTimeoutMs + 10_000, logger: log },
    async ({ signal, err }) => {
      if (err) log.error({ err }, 'fatal error; shutting down');
      else log.info({ signal }, 'shutting down');
      await lifecycle.beginDrain();
      if (running.app) await closeWithin(running.app, config.shutdownTimeoutMs);
      await storage.close();
      // Last, so spans of the drain itself are exported too.
      await tracingState.tracing
        ?.shutdown()
        .catch((e: unknown) => log.warn({ err: e }, 'trace flush failed'));
      log.info('shutdown complete');
    },
  );

  await migrate(storage.pool, log);
  const app = await buildApp(config, { pool: storage.pool, log, lifecycle });
  running.app = app;
  await app.listen({ port: config.port, host: config.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  log.info(
    { engine: storage.engine, port, startup_ms: Date.now() - startedAt, version: VERSION },
    `Parley is listening on http://${host}:${port}`,
  );
}

/** Stop accepting and wait for in-flight requests; past the timeout, cut the remaining connections. */
async function closeWithin(
  app: { close(): Promise<void>; server: { closeAllConnections(): void } },
  ms: number,
) {
  const timer = setTimeout(() => app.server.closeAllConnections(), ms);
  try {
    await app.close();
  } finally {
    clearTimeout(timer);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(
    `parley: failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
