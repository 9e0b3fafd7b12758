/**
 * Tracing preload: `node --import ./dist/observability/instrument.js ./dist/main.js` (what
 * `npm start`, the Dockerfile and the Kubernetes manifests run). A no-op unless
 * OTEL_EXPORTER_OTLP_ENDPOINT is set (environment or `.env`).
 *
 * Why a preload and not a call in main.ts: OpenTelemetry instrumentations work by patching
 * modules as they load. An ES module's static imports are all resolved and loaded before any of
 * its code runs, so by the time main.ts could start the SDK, `pg`, `ioredis` and Fastify's `http`
 * are already loaded, unpatched. `--import` runs this module first:
 * - CommonJS loads (`http` from Fastify, `pg-pool` from `pg`) are patched through
 *   require-in-the-middle, which the SDK installs on start;
 * - our ES-module imports of the CommonJS packages `pg` and `ioredis` bypass `require`, so an
 *   import-in-the-middle loader hook is registered for exactly those two (a narrow include list:
 *   every other module loads untouched).
 */
import { register } from 'node:module';
import dotenv from 'dotenv';
import { loadConfig } from '../config.js';
import { VERSION } from '../version.js';
import { tracingState } from './tracing-state.js';

dotenv.config({ quiet: true });

let endpoint: string | undefined;
try {
  endpoint = loadConfig(process.env).otelEndpoint;
} catch {
  // Invalid configuration: main.ts reports it with the variable's name and exits 1.
}

if (endpoint) {
  register('import-in-the-middle/hook.mjs', import.meta.url, {
    data: { include: ['pg', 'ioredis'] },
  });
  const { startTracing } = await import('./tracing.js');
  tracingState.tracing = startTracing({ endpoint, version: VERSION });
}
