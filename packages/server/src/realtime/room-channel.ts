/**
 * One room as followed by this node: its local subscriptions, long-poll waiters, and `seq`, the
 * highest seq this node has delivered (events reach subscriptions strictly in seq order).
 *
 * Events come from the local publisher or the broker, possibly late, duplicated, or with gaps (a
 * lost broker message, a node that crashed after commit). `ingest` delivers the next seq at once,
 * drops what was already delivered, and on a gap parks the early event and fills the gap from the
 * event log (`fill`). Seqs are assigned under the room's row lock and published after commit, so
 * when seq N is known, everything below N is committed and readable. The hub's reconciliation
 * calls `fill` when `rooms.last_seq` is ahead, which also covers publishes lost entirely.
 *
 * A small ring of recent frames serves short catch-ups (resume after a reconnect, late joins)
 * without touching the database.
 */
import type { Logger } from 'pino';
import type { EventLogReader } from './log.repository.js';
import { Outbound } from './outbound.js';
import type { Subscription } from './subscription.js';

const RECENT = 256;
const FILL_PAGE = 500;

export type Waiter = (frame: Outbound) => void;

export class RoomChannel {
  /** Highest seq delivered on this node; undefined until initialised from `rooms.last_seq`. */
  seq: number | undefined;
  readonly subs = new Set<Subscription>();
  readonly waiters = new Set<Waiter>();
  /** Resolves once `seq` is initialised. */
  ready: Promise<void> = Promise.resolve();
  #recent: Outbound[] = [];
  readonly #pending = new Map<number, Outbound>();
  #filling: Promise<void> | undefined;

  constructor(
    readonly id: string,
    private readonly reader: EventLogReader,
    private readonly log: Logger,
    private readonly onEvent: (ch: RoomChannel, frame: Outbound) => void = () => undefined,
  ) {}

  get idle(): boolean {
    return this.subs.size === 0 && this.waiters.size === 0;
  }

  /** Set the starting point (the room's `last_seq` read after subscribing to the broker). */
  init(lastSeq: number): void {
    if (this.seq !== undefined) return;
    this.seq = lastSeq;
    this.#drainPending();
  }

  ingest(frame: Outbound): void {
    const seq = frame.seq;
    if (seq === undefined) return;
    if (this.seq === undefined || this.#filling) {
      this.#pending.set(seq, frame);
      return;
    }
    if (seq <= this.seq) return;
    if (seq === this.seq + 1) {
      this.#advance(frame);
      this.#drainPending();
      return;
    }
    this.#pending.set(seq, frame);
    void this.fill();
  }

  /** Read the log after `seq` until it has nothing newer; concurrent callers share one fill. */
  fill(): Promise<void> {
    if (this.seq === undefined) return this.ready;
    this.#filling ??= this.#fill().then((ok) => {
      this.#filling = undefined;
      // After a failed read, wait for the reconciliation tick instead of retrying in a loop.
      this.#drainPending(ok);
    });
    return this.#filling;
  }

  /** Ephemeral signals go to every local subscription (typing is not echoed to its author). */
  signal(frame: Outbound): void {
    for (const sub of this.subs)
      if (sub.userId !== frame.fromUser || frame.name !== 'typing') sub.signal(frame);
  }

  /** Frames after `after` (oldest first, at most `limit`), from the ring when it covers them. */
  async framesAfter(after: number, limit: number): Promise<Outbound[]> {
    const first = this.#recent[0];
    if (first?.seq !== undefined && first.seq <= after + 1) {
      const start = after + 1 - first.seq;
      return this.#recent.slice(start, start + limit);
    }
    const events = await this.reader.eventsAfter(this.id, after, limit);
    return events.map((e) => Outbound.event(e));
  }

  async #fill(): Promise<boolean> {
    try {
      for (;;) {
        const from = this.seq ?? 0;
        const events = await this.reader.eventsAfter(this.id, from, FILL_PAGE);
        for (const e of events) if (e.seq === (this.seq ?? 0) + 1) this.#advance(Outbound.event(e));
        if (events.length < FILL_PAGE) break;
      }
    } catch (err) {
      this.log.warn(
        { err, room_id: this.id },
        'filling a gap from the event log failed; will retry',
      );
      return false;
    }
    // Parked events the log cannot explain (pruned history): skip ahead and resync subscribers.
    const next = Math.min(...this.#pending.keys());
    if (this.#pending.size > 0 && this.seq !== undefined && next > this.seq + 1) {
      this.seq = next - 1;
      this.#recent = [];
      for (const sub of this.subs) sub.resync(this, 'history_unavailable');
    }
    return true;
  }

  #drainPending(refill = true): void {
    if (this.seq === undefined || this.#filling) return;
    for (const key of [...this.#pending.keys()]) if (key <= this.seq) this.#pending.delete(key);
    let next: Outbound | undefined;
    while ((next = this.#pending.get(this.seq + 1))) {
      this.#pending.delete(this.seq + 1);
      this.#advance(next);
    }
    if (this.#pending.size > 0 && refill) void this.fill();
  }

  #advance(frame: Outbound): void {
    this.seq = frame.seq;
    this.#recent.push(frame);
    if (this.#recent.length > RECENT) this.#recent.splice(0, this.#recent.length - RECENT);
    for (const sub of this.subs) sub.deliver(this, frame);
    for (const waiter of this.waiters) waiter(frame);
    this.onEvent(this, frame);
  }
}
