/**
 * OpenTelemetry tracing: HTTP server/client spans, PostgreSQL (`pg`, `pg-pool`) and Redis
 * (`ioredis`) spans, exported as OTLP/HTTP to `${OTEL_EXPORTER_OTLP_ENDPOINT}/v1/traces`.
 *
 * Started only by `instrument.ts` (the `--import` preload), and only when the endpoint is set:
 * instrumentations patch modules as they load, so this must run before `pg`, `ioredis` or
 * `http` are imported — see instrument.ts for how. Metrics stay with Prometheus and logs with
 * stdout, so the SDK's OTLP metric and log pipelines are switched off explicitly (they default
 * to on). The standard `OTEL_*` variables still apply (`OTEL_SERVICE_NAME`,
 * `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_TRACES_SAMPLER(_ARG)`, `OTEL_BSP_SCHEDULE_DELAY`, …).
 */
import type { IncomingMessage } from 'node:http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { NodeSDK, resources } from '@opentelemetry/sdk-node';

export interface TracingOptions {
  endpoint: string;
  version: string;
  serviceName?: string;
}

export interface Tracing {
  /** Flushes buffered spans and stops exporting; call last on shutdown. */
  shutdown(): Promise<void>;
}

/** Probes and scrapes every few seconds would bury the traces people look for. */
const UNTRACED_PATHS = new Set(['/livez', '/readyz', '/health', '/metrics']);

export function tracesUrl(endpoint: string): string {
  return `${endpoint.replace(/\/+$/, '')}/v1/traces`;
}

export function startTracing(options: TracingOptions): Tracing {
  const sdk = new NodeSDK({
    serviceName: options.serviceName ?? 'parley',
    resource: resources.resourceFromAttributes({ 'service.version': options.version }),
    traceExporter: new OTLPTraceExporter({ url: tracesUrl(options.endpoint) }),
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req: IncomingMessage) =>
          UNTRACED_PATHS.has((req.url ?? '').split('?')[0] ?? ''),
      }),
      // Only queries made while handling something (a request, a delivery) become spans;
      // background pool chatter without a parent would be orphan noise.
      new PgInstrumentation({ requireParentSpan: true }),
      new IORedisInstrumentation({ requireParentSpan: true }),
    ],
  });
  sdk.start();
  return { shutdown: () => sdk.shutdown() };
}
