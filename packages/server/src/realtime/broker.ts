/**
 * Fan-out between nodes (DESIGN.md "Writes and delivery"). A broker carries already-serialised
 * frames on named topics to the OTHER nodes subscribed to them; the local node delivers its own
 * publishes directly, so a broker outage never delays local clients.
 *
 * Topics (see `topics` below): one per room (events, typing, read receipts), one per user
 * (membership changes that must reach that user's sockets wherever they are) and one global
 * presence topic. The hub owns interest: it subscribes a topic while it has a local subscriber for
 * it and unsubscribes when the last one leaves; subscribe/unsubscribe are idempotent.
 *
 * Nothing here is durable, on purpose: a lost message costs latency only, because every room
 * event is in the event log and the hub's gap detection and reconciliation fetch it from there.
 */
export interface Broker {
  /** Send `payload` to every other node subscribed to `topic`. Never throws; losses are tolerated. */
  publish(topic: string, payload: string): void;
  subscribe(topics: readonly string[]): Promise<void>;
  unsubscribe(topics: readonly string[]): Promise<void>;
  /** The single consumer of incoming messages; set by the hub before the first subscribe. */
  onMessage(handler: (topic: string, payload: string) => void): void;
  /**
   * Called when messages may have been lost (the connection to the broker dropped and came back);
   * the hub reconciles every room it follows against the event log.
   */
  onReconnect(handler: () => void): void;
  /** Readiness: resolves when the broker answers. */
  ping(): Promise<unknown>;
  /** Unsubscribes everything and releases connections; no handler is called afterwards. */
  close(): Promise<void>;
}

export const topics = {
  room: (roomId: string) => `room:${roomId}`,
  user: (userId: string) => `user:${userId}`,
  presence: 'presence',
} as const;
