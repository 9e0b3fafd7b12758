/**
 * The in-process broker: the default when `REDIS_URL` is unset (one node needs no fan-out at all,
 * since the hub delivers its own publishes locally). Several `MemoryBroker`s on one `MemoryBus`
 * behave like nodes sharing Redis, which is how the shared broker tests run both implementations.
 * Delivery is asynchronous (next macrotask), like a real network hop.
 */
import type { Broker } from './broker.js';

export class MemoryBus {
  readonly #members = new Set<MemoryBroker>();

  join(member: MemoryBroker): void {
    this.#members.add(member);
  }

  leave(member: MemoryBroker): void {
    this.#members.delete(member);
  }

  send(from: MemoryBroker, topic: string, payload: string): void {
    for (const member of this.#members) {
      if (member !== from) setImmediate(() => member.receive(topic, payload));
    }
  }
}

export class MemoryBroker implements Broker {
  readonly #topics = new Set<string>();
  #handler: (topic: string, payload: string) => void = () => undefined;
  #closed = false;

  constructor(private readonly bus: MemoryBus = new MemoryBus()) {
    bus.join(this);
  }

  publish(topic: string, payload: string): void {
    if (!this.#closed) this.bus.send(this, topic, payload);
  }

  async subscribe(topics: readonly string[]): Promise<void> {
    for (const t of topics) this.#topics.add(t);
  }

  async unsubscribe(topics: readonly string[]): Promise<void> {
    for (const t of topics) this.#topics.delete(t);
  }

  onMessage(handler: (topic: string, payload: string) => void): void {
    this.#handler = handler;
  }

  onReconnect(): void {
    // An in-process bus never disconnects.
  }

  async ping(): Promise<unknown> {
    return 'PONG';
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#topics.clear();
    this.bus.leave(this);
  }

  /** Called by the bus. */
  receive(topic: string, payload: string): void {
    if (!this.#closed && this.#topics.has(topic)) this.#handler(topic, payload);
  }
}
