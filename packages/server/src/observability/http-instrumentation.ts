/**
 * Per-request observability, as two Fastify hooks:
 * - onRequest names the active OpenTelemetry HTTP server span after the route pattern
 *   (`GET /api/v1/rooms/:room_id`) — the http instrumentation only knows the raw URL. A no-op
 *   when tracing is off (the API then hands out non-recording spans).
 * - onResponse observes `parley_http_request_duration_seconds{route,method,status_code}`.
 *
 * Cardinality: `route` is the registered pattern, `unmatched` for anything that hit no route
 * (404 scans must not mint series). Streams are not requests: WebSocket upgrades and SSE
 * (`…/stream`) finish when the connection closes, hours later, so they are left out and counted
 * by `parley_open_connections` instead. A long-poll (`wait` > 0) waits by design, so it gets its
 * own route label (`… [long-poll]`) and does not drag the API's p99 up.
 */
import { trace } from '@opentelemetry/api';
import type { FastifyRequest } from 'fastify';
import type { App } from '../http/types.js';
import type { Metrics } from './metrics.js';

export const UNMATCHED_ROUTE = 'unmatched';
const STREAM_ROUTE = /\/(stream|ws)$/;

export function routeLabel(request: FastifyRequest): string {
  const url = request.is404 ? undefined : request.routeOptions.url;
  if (!url) return UNMATCHED_ROUTE;
  const wait = (request.query as Record<string, unknown> | undefined)?.wait;
  if (wait !== undefined && Number(wait) > 0) return `${url} [long-poll]`;
  return url;
}

export function registerHttpInstrumentation(app: App, metrics: Metrics): void {
  app.addHook('onRequest', async (request) => {
    const span = trace.getActiveSpan();
    if (!span?.isRecording()) return;
    const route = request.routeOptions.url;
    if (!route || request.is404) return;
    span.updateName(`${request.method} ${route}`);
    span.setAttribute('http.route', route);
  });

  app.addHook('onResponse', async (request, reply) => {
    const route = routeLabel(request);
    if (request.headers.upgrade !== undefined || STREAM_ROUTE.test(route)) return;
    metrics.httpRequestDuration.observe(
      { route, method: request.method, status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });
}
