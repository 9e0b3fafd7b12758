/**
 * Composition of the realtime layer for one node, built by app.ts: the broker (Redis when
 * `REDIS_URL` is set, in-process otherwise), the hub, and presence (in Redis with a TTL when
 * configured, so it is right across nodes).
 *
 * Lifecycle: `start()` before the routes accept connections; `stop()` in the app's onClose, after
 * the transports have closed their sockets: presence entries of this node are removed, then the
 * hub stops its timers and closes the broker (and with it the Redis connections).
 */
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Queryable } from '../db/pool.js';
import type { Metrics } from '../observability/metrics.js';
import type { Broker } from './broker.js';
import { Hub } from './hub.js';
import { eventLogReader } from './log.repository.js';
import { MemoryBroker } from './memory-broker.js';
import { Presence } from './presence.js';
import { MemoryPresenceStore, type PresenceStore } from './presence-store.js';
import { RedisBroker } from './redis-broker.js';
import { RedisPresenceStore } from './redis-presence-store.js';

export interface Realtime {
  hub: Hub;
  presence: Presence;
  /** Readiness of the broker (Redis PING), when there is one to check. */
  brokerCheck: (() => Promise<unknown>) | undefined;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export type RealtimeConfig = Pick<
  Config,
  | 'redisUrl'
  | 'redisPrefix'
  | 'realtimeReconcileMs'
  | 'realtimeQueueBytes'
  | 'wsPingS'
  | 'presenceTtlS'
>;

export function createRealtime(
  config: RealtimeConfig,
  db: Queryable,
  log: Logger,
  metrics?: Metrics,
): Realtime {
  const reader = eventLogReader(db);
  let broker: Broker;
  let store: PresenceStore;
  let redis: RedisBroker | undefined;
  if (config.redisUrl) {
    redis = new RedisBroker(config.redisUrl, config.redisPrefix, log, () =>
      metrics?.brokerPublishFailures.inc(),
    );
    broker = redis;
    store = new RedisPresenceStore(redis.commands, config.redisPrefix);
  } else {
    broker = new MemoryBroker();
    store = new MemoryPresenceStore();
  }
  const hub = new Hub({
    broker,
    reader,
    log,
    reconcileMs: config.realtimeReconcileMs,
    limits: { queueBytes: config.realtimeQueueBytes, stallTimeoutMs: config.wsPingS * 2000 },
    metrics,
  });
  const presence = new Presence(store, hub, reader, log, config.presenceTtlS * 1000);
  return {
    hub,
    presence,
    brokerCheck: redis ? () => broker.ping() : undefined,
    async start() {
      if (redis && !(await redis.ready(5000)))
        log.warn('Redis is not reachable yet; realtime fan-out starts when it is');
      await hub.start();
      presence.start();
    },
    async stop() {
      await presence.stop();
      await hub.close();
    },
  };
}
