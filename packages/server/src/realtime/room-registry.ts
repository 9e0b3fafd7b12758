/**
 * The rooms this node follows: one `RoomChannel` per room with local interest, and the broker
 * subscription that goes with it (subscribed when the channel is created, unsubscribed when its
 * last subscription or waiter is gone). Owned by the hub.
 */
import type { Logger } from 'pino';
import { topics, type Broker } from './broker.js';
import type { EventLogReader } from './log.repository.js';
import type { Outbound } from './outbound.js';
import { RoomChannel } from './room-channel.js';

export class RoomRegistry {
  readonly #rooms = new Map<string, RoomChannel>();
  closed = false;

  constructor(
    private readonly broker: Broker,
    private readonly reader: EventLogReader,
    private readonly log: Logger,
    /** Called after a channel delivered an event (membership changes are handled there). */
    private readonly onEvent: (ch: RoomChannel, frame: Outbound) => void,
  ) {}

  get(roomId: string): RoomChannel | undefined {
    return this.#rooms.get(roomId);
  }

  all(): RoomChannel[] {
    return [...this.#rooms.values()];
  }

  /**
   * The channels for `roomIds`, creating the missing ones. The caller must register interest
   * (a subscription or a waiter) before awaiting `ready`, or the channel may be released.
   */
  acquire(roomIds: readonly string[]): RoomChannel[] {
    const fresh: RoomChannel[] = [];
    const out = roomIds.map((roomId) => {
      let ch = this.#rooms.get(roomId);
      if (!ch) {
        ch = new RoomChannel(roomId, this.reader, this.log, this.onEvent);
        this.#rooms.set(roomId, ch);
        fresh.push(ch);
      }
      return ch;
    });
    if (fresh.length > 0) {
      const init = this.#init(fresh);
      init.catch(() => undefined); // awaited by the acquirers through `ready`
      for (const ch of fresh) ch.ready = init;
    }
    return out;
  }

  /** Drop a channel nobody listens to any more. */
  release(ch: RoomChannel): void {
    if (!ch.idle || this.#rooms.get(ch.id) !== ch) return;
    this.#rooms.delete(ch.id);
    if (!this.closed)
      this.broker.unsubscribe([topics.room(ch.id)]).catch((err: unknown) => {
        this.log.warn({ err }, 'realtime broker: unsubscribe failed');
      });
  }

  /** Subscribe first, then read `last_seq`: an event committed in between is parked, not lost. */
  async #init(fresh: RoomChannel[]): Promise<void> {
    const subscribed = this.broker.subscribe(fresh.map((c) => topics.room(c.id)));
    // If the broker is unreachable, do not hold the client: reconciliation covers the gap.
    await Promise.race([subscribed, new Promise((r) => setTimeout(r, 1000).unref())]).catch(
      (err: unknown) => this.log.warn({ err }, 'realtime broker: subscribe failed'),
    );
    const seqs = await this.reader.lastSeqs(fresh.map((c) => c.id));
    for (const ch of fresh) {
      const seq = seqs.get(ch.id);
      if (seq !== undefined) ch.init(seq);
    }
  }
}
