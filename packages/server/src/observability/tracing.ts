/**
 * OpenTelemetry tracing: HTTP server/client spans, PostgreSQL (`pg`, `pg-pool`) and Redis
 * (`ioredis`) spans, exported as OTLP/HTTP to `${OTEL_EXPORTER_OTLP_ENDPOINT}/v1/traces`.
 *
 * Started only by `instrument.ts` (the `--import` preload), and only when the endpoint is set:
 * instrumentations patch modules as they load, so this must run before `pg`, `ioredis` or
 * `http` are imported — see instrument.ts for how.
 *
 * Built from the trace SDK parts (tracer provider, batch processor, OTLP/HTTP exporter) rather
 * than `@opentelemetry/sdk-node`, which brings every metric/log/gRPC exporter along (~100 MB in
 * the image) for pipelines Parley leaves to Prometheus and stdout. The standard `OTEL_*`
 * variables still apply (`OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`,
 * `OTEL_TRACES_SAMPLER(_ARG)`, `OTEL_BSP_SCHEDULE_DELAY`, …).
 */
import type { IncomingMessage } from 'node:http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import {
  defaultResource,
  detectResources,
  envDetector,
  hostDetector,
  processDetector,
  resourceFromAttributes,
} from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

export interface TracingOptions {
  endpoint: string;
  version: string;
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
  const resource = defaultResource()
    .merge(resourceFromAttributes({ 'service.name': 'parley', 'service.version': options.version }))
    // OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES win over the defaults above.
    .merge(detectResources({ detectors: [hostDetector, processDetector, envDetector] }));
  const provider = new NodeTracerProvider({
    resource,
    // Batches in the background; OTEL_BSP_* tune it, OTEL_TRACES_SAMPLER(_ARG) samples.
    spanProcessors: [
      new BatchSpanProcessor(new OTLPTraceExporter({ url: tracesUrl(options.endpoint) })),
    ],
  });
  // Global tracer provider, AsyncLocalStorage context, W3C traceparent propagation.
  provider.register();
  const unregister = registerInstrumentations({
    tracerProvider: provider,
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
  return {
    shutdown: async () => {
      unregister();
      await provider.shutdown();
    },
  };
}
