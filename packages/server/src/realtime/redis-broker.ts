/**
 * Redis pub/sub broker: one channel per topic (`<prefix>room:<id>`, …), a publishing connection
 * and a separate subscriber connection (a subscribed Redis connection can do nothing else).
 *
 * Every payload is prefixed with this node's id so a node ignores its own publishes (it already
 * delivered them locally). ioredis re-subscribes after a reconnect; because messages published
 * while we were disconnected are gone, `onReconnect` handlers run then and the hub reconciles
 * against the event log. Shutdown: `close()` quits both connections; no handler runs afterwards.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Broker } from './broker.js';
import { createRedis, whenReady } from './redis.js';

export class RedisBroker implements Broker {
  readonly nodeId = randomBytes(6).toString('hex');
  readonly #pub: Redis;
  readonly #sub: Redis;
  readonly #reconnectHandlers: (() => void)[] = [];
  #handler: (topic: string, payload: string) => void = () => undefined;
  #closed = false;

  constructor(
    url: string,
    private readonly prefix: string,
    private readonly log: Logger,
    /** Counts lost publishes (parley_broker_publish_failures_total). */
    private readonly onPublishFailure: () => void = () => undefined,
  ) {
    this.#pub = createRedis(url, log, 'publisher');
    // Subscriptions requested while disconnected wait for the connection instead of failing.
    this.#sub = createRedis(url, log, 'subscriber', {
      enableOfflineQueue: true,
      maxRetriesPerRequest: null,
    });
    let wasReady = false;
    this.#sub.on('ready', () => {
      if (wasReady && !this.#closed) for (const h of this.#reconnectHandlers) h();
      wasReady = true;
    });
    const own = `${this.nodeId}|`;
    this.#sub.on('message', (channel: string, message: string) => {
      if (this.#closed || message.startsWith(own)) return;
      const bar = message.indexOf('|');
      this.#handler(channel.slice(this.prefix.length), message.slice(bar + 1));
    });
  }

  /** Resolves when both connections are up, or after `ms` (they keep retrying in the background). */
  async ready(ms = 5000): Promise<boolean> {
    const [a, b] = await Promise.all([whenReady(this.#pub, ms), whenReady(this.#sub, ms)]);
    return a && b;
  }

  /** The command connection, shared with the Redis presence store. */
  get commands(): Redis {
    return this.#pub;
  }

  publish(topic: string, payload: string): void {
    if (this.#closed) return;
    this.#pub.publish(this.prefix + topic, `${this.nodeId}|${payload}`).catch((err: Error) => {
      this.onPublishFailure();
      this.log.debug({ err: err.message, topic }, 'publish lost; subscribers will reconcile');
    });
  }

  async subscribe(topics: readonly string[]): Promise<void> {
    if (this.#closed || topics.length === 0) return;
    await this.#sub.subscribe(...topics.map((t) => this.prefix + t));
  }

  async unsubscribe(topics: readonly string[]): Promise<void> {
    if (this.#closed || topics.length === 0) return;
    await this.#sub.unsubscribe(...topics.map((t) => this.prefix + t));
  }

  onMessage(handler: (topic: string, payload: string) => void): void {
    this.#handler = handler;
  }

  onReconnect(handler: () => void): void {
    this.#reconnectHandlers.push(handler);
  }

  ping(): Promise<unknown> {
    return this.#pub.ping();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // disconnect(), not quit(): quit would wait for a Redis that may be down right now.
    this.#sub.disconnect();
    this.#pub.disconnect();
  }
}
