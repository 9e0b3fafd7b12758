/**
 * Prometheus metrics. Each app owns ONE `Registry` (not prom-client's global default), so several
 * apps in one test process never clash, and `GET /metrics` shows exactly this app's numbers.
 * `createMetrics()` runs in app.ts; the `Metrics` object sits on the AppContext and the parts
 * below record into it. Labels are bounded sets only — route patterns, methods, status codes,
 * transports, scopes — never raw URLs, user or room ids.
 *
 * Who records what:
 *
 * | metric (name)                                   | recorded by                                   |
 * |-------------------------------------------------|-----------------------------------------------|
 * | httpRequestDuration (parley_http_request_duration_seconds{route,method,status_code}) | http-metrics.ts (onResponse hook) |
 * | messagesSent (parley_messages_sent_total)       | the message send service, after commit        |
 * | eventsDelivered (parley_events_delivered_total{transport}) | realtime transports, per event written to a client |
 * | deliveryLatency (parley_delivery_latency_seconds{transport}) | realtime transports: event commit → written to every local recipient, once per event and transport |
 * | openConnections (parley_open_connections{transport}) | WS/SSE handlers (inc on open, dec on close), long-poll while waiting |
 * | brokerPublishFailures (parley_broker_publish_failures_total) | realtime broker adapter when a publish fails |
 * | reconciliationCatchups (parley_reconciliation_catchups_total) | realtime reconciliation, per room caught up from the log |
 * | rateLimitRejections (parley_rate_limit_rejections_total{scope}) | app.ts (`api`), auth limiter (`auth`), send limiter (`send`) |
 * | dbQueryDuration (parley_db_query_duration_seconds{outcome}) | pool-metrics.ts (wraps client.query) |
 * | parley_db_pool_{max,total,idle,waiting}         | read from the pg Pool on each scrape          |
 * | historyBlockReads (parley_history_block_reads_total{result}) | the older-history cache: a block found (`hit`) or read from the database (`load`) |
 * | roomViewReads (parley_room_view_reads_total{result}) | a single node's access checks (room-view-cache.ts): answered from memory (`hit`) or the database (`load`) |
 * | parley_history_block_cache_bytes                | read from the older-history cache on each scrape (app.ts) |
 * | process_*, nodejs_* (event-loop lag, heap, GC)  | prom-client default collectors                |
 */
import client from 'prom-client';
import type { Pool } from '../db/pool.js';

/** Realtime transports, the only values of the `transport` label. */
export type Transport = 'ws' | 'sse' | 'longpoll';
/** Rate limiters, the only values of the `scope` label. */
export type RateLimitScope = 'api' | 'auth' | 'send';
/** How a cache answered, the only values of `result`: from memory (`hit`) or the database (`load`). */
export type CacheRead = 'hit' | 'load';

export interface Metrics {
  registry: client.Registry;
  httpRequestDuration: client.Histogram<'route' | 'method' | 'status_code'>;
  messagesSent: client.Counter;
  eventsDelivered: client.Counter<'transport'>;
  deliveryLatency: client.Histogram<'transport'>;
  openConnections: client.Gauge<'transport'>;
  brokerPublishFailures: client.Counter;
  reconciliationCatchups: client.Counter;
  rateLimitRejections: client.Counter<'scope'>;
  dbQueryDuration: client.Histogram<'outcome'>;
  historyBlockReads: client.Counter<'result'>;
  roomViewReads: client.Counter<'result'>;
  /** Read on each scrape; app.ts points them at the parts it builds after the metrics. */
  sources: { historyBlockBytes: () => number };
}

export const TRANSPORTS: readonly Transport[] = ['ws', 'sse', 'longpoll'];
export const RATE_LIMIT_SCOPES: readonly RateLimitScope[] = ['api', 'auth', 'send'];
export const CACHE_READS: readonly CacheRead[] = ['hit', 'load'];

// Seconds. HTTP: an API call should take milliseconds; the tail buckets show trouble.
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
// Delivery is a broker hop plus a socket write: fine-grained below 100 ms, then the
// reconciliation range (a lost publish is caught up within seconds).
const DELIVERY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const QUERY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5];

export function createMetrics(pool: Pool): Metrics {
  const registry = new client.Registry();
  const registers = [registry];
  client.collectDefaultMetrics({ register: registry });

  const metrics: Metrics = {
    registry,
    httpRequestDuration: new client.Histogram({
      name: 'parley_http_request_duration_seconds',
      help: 'HTTP request duration by route pattern, method and status code',
      labelNames: ['route', 'method', 'status_code'],
      buckets: HTTP_BUCKETS,
      registers,
    }),
    messagesSent: new client.Counter({
      name: 'parley_messages_sent_total',
      help: 'Messages committed (idempotent replays are not counted)',
      registers,
    }),
    eventsDelivered: new client.Counter({
      name: 'parley_events_delivered_total',
      help: 'Room events written to clients, per transport',
      labelNames: ['transport'],
      registers,
    }),
    deliveryLatency: new client.Histogram({
      name: 'parley_delivery_latency_seconds',
      help: 'Time from event commit until this node has written it to all its recipients on the transport (one observation per event)',
      labelNames: ['transport'],
      buckets: DELIVERY_BUCKETS,
      registers,
    }),
    openConnections: new client.Gauge({
      name: 'parley_open_connections',
      help: 'Open realtime connections (WebSocket, SSE, waiting long-polls)',
      labelNames: ['transport'],
      registers,
    }),
    brokerPublishFailures: new client.Counter({
      name: 'parley_broker_publish_failures_total',
      help: 'Broker publishes that failed (subscribers catch up from the event log)',
      registers,
    }),
    reconciliationCatchups: new client.Counter({
      name: 'parley_reconciliation_catchups_total',
      help: 'Rooms the periodic reconciliation had to catch up from the event log',
      registers,
    }),
    rateLimitRejections: new client.Counter({
      name: 'parley_rate_limit_rejections_total',
      help: 'Requests or frames rejected by a rate limiter, per limiter',
      labelNames: ['scope'],
      registers,
    }),
    dbQueryDuration: new client.Histogram({
      name: 'parley_db_query_duration_seconds',
      help: 'Database query duration (outcome ok or error)',
      labelNames: ['outcome'],
      buckets: QUERY_BUCKETS,
      registers,
    }),
    historyBlockReads: new client.Counter({
      name: 'parley_history_block_reads_total',
      help: 'Older-history blocks a page needed: found in the cache (hit) or read from the database (load)',
      labelNames: ['result'],
      registers,
    }),
    roomViewReads: new client.Counter({
      name: 'parley_room_view_reads_total',
      help: 'Access checks of a single node (no REDIS_URL): answered from memory (hit) or read from the database (load)',
      labelNames: ['result'],
      registers,
    }),
    sources: { historyBlockBytes: () => 0 },
  };

  // Zero-initialise the labelled series so dashboards and rate() see them before the first event.
  for (const transport of TRANSPORTS) {
    metrics.eventsDelivered.inc({ transport }, 0);
    metrics.openConnections.set({ transport }, 0);
  }
  for (const scope of RATE_LIMIT_SCOPES) metrics.rateLimitRejections.inc({ scope }, 0);
  for (const result of CACHE_READS) {
    metrics.historyBlockReads.inc({ result }, 0);
    metrics.roomViewReads.inc({ result }, 0);
  }

  // Gauges read on scrape: no timers, always current.
  const readOnScrape = (name: string, help: string, read: () => number) =>
    new client.Gauge({
      name,
      help,
      registers,
      collect() {
        this.set(read());
      },
    });
  readOnScrape('parley_db_pool_max', 'Configured maximum of database connections', () =>
    Number(pool.options.max ?? 10),
  );
  readOnScrape('parley_db_pool_total', 'Open database connections', () => pool.totalCount);
  readOnScrape('parley_db_pool_idle', 'Idle database connections', () => pool.idleCount);
  readOnScrape(
    'parley_db_pool_waiting',
    'Queries waiting for a free database connection',
    () => pool.waitingCount,
  );
  readOnScrape(
    'parley_history_block_cache_bytes',
    'Bytes held by the older-history cache (HISTORY_BLOCK_CACHE_MB bounds it)',
    () => metrics.sources.historyBlockBytes(),
  );

  return metrics;
}
