/**
 * One client connection as the hub sees it. The transport (WebSocket socket, SSE response) owns
 * the network side and implements `Sink`; the hub owns the `Subscription`: which rooms it follows,
 * the last seq delivered per room, catch-up and the outbound queue limit.
 *
 * Ordering invariant: an event is written only when it is exactly `position + 1` for its room, so
 * a client sees every room's events in seq order with no gap and no duplicate. A subscription that
 * is behind (resume, a gap, a late join) catches up from the room's recent frames or the event log,
 * paced by its queue, and then goes live; live events are skipped while it catches up (the loop
 * reads them from the log instead).
 *
 * Resume window: a new WebSocket is live from `ready`, but a client that reconnects sends `resume`
 * right after it. A live event that reached the node before that frame was read would be written
 * first and then replayed after the older missed ones: out of order, and twice. So a subscription
 * can be `hold`-ing: live events only mark their room, and `release` (the client's first frames
 * handled, or a short grace period) catches those rooms up from wherever `resume` put them.
 *
 * Slow consumers: the queue is the transport's unsent bytes. Past `queueBytes` the subscription
 * stalls: nothing more is written, the rooms that had events are remembered, and once the client
 * has drained its queue it gets one `resync` per such room (never a silent drop); a client stalled
 * longer than `stallTimeoutMs` is closed with a resume hint. Ephemeral signals are dropped while
 * stalled. Nothing here blocks: other subscriptions never wait for a slow one.
 */
import type { Logger } from 'pino';
import type { Metrics, Transport } from '../observability/metrics.js';
import { Outbound } from './outbound.js';
import type { RoomChannel } from './room-channel.js';

export interface Sink {
  readonly userId: string;
  /** Labels this connection's metrics (open connections, deliveries, latency). */
  readonly transport?: Transport;
  /**
   * Bytes accepted by `write` in earlier turns and not yet handed to the network: the outbound
   * queue. (This turn's writes leave together at its end: not a backlog yet.)
   */
  buffered(): number;
  write(frame: Outbound, sub: Subscription): void;
  /**
   * Close the connection: `slow_consumer` (reconnect and resume), `draining` (this node is
   * shutting down: reconnect elsewhere), `removed` (a single-room stream whose user left the room).
   */
  close(reason: 'slow_consumer' | 'draining' | 'removed'): void;
}

export interface SubscriptionLimits {
  queueBytes: number;
  stallTimeoutMs: number;
}

let nextId = 1;

export class Subscription {
  readonly id = nextId++;
  /** room id → last seq written to this client; absent while the room is being joined. */
  readonly positions = new Map<string, number>();
  /** Rooms followed (joined or joining), with their channel. */
  readonly channels = new Map<string, RoomChannel>();
  closed = false;
  readonly #catching = new Set<string>();
  /** While holding (the resume window): rooms that had live events meanwhile. */
  #held: Set<string> | undefined;
  #stall: { rooms: Set<string>; since: number; timer: NodeJS.Timeout } | undefined;

  constructor(
    readonly sink: Sink,
    /** Follow the user's memberships (WS and `/stream`); single-room streams do not. */
    readonly followsMembership: boolean,
    private readonly limits: SubscriptionLimits,
    private readonly log: Logger,
    private readonly metrics?: Metrics,
  ) {}

  get userId(): string {
    return this.sink.userId;
  }

  /** A room event from the channel, in the channel's seq order. */
  deliver(ch: RoomChannel, frame: Outbound): void {
    const pos = this.positions.get(ch.id);
    const seq = frame.seq ?? 0;
    if (pos === undefined || seq <= pos || this.closed) return;
    if (this.#held) {
      this.#held.add(ch.id);
      return;
    }
    if (this.#stall) {
      this.#stall.rooms.add(ch.id);
      return;
    }
    if (seq === pos + 1 && !this.#catching.has(ch.id)) {
      if (this.#write(frame)) {
        this.positions.set(ch.id, seq);
        // Live deliveries are counted on the frame and recorded once per broadcast (hub.ts).
        const transport = this.sink.transport;
        if (transport) frame.countLiveWrite(transport);
      }
      return;
    }
    void this.catchUp(ch);
  }

  /** An ephemeral signal (typing, read receipt, presence): best effort, never queued past limit. */
  signal(frame: Outbound): void {
    if (this.closed || this.#stall || this.sink.buffered() > this.limits.queueBytes) return;
    this.sink.write(frame, this);
  }

  /** Write a frame addressed to this client alone (ack, error, ready…), ignoring the limit. */
  direct(frame: Outbound): void {
    if (!this.closed) this.sink.write(frame, this);
  }

  /** Tell the client to reload a room over REST, and continue live from the channel's seq. */
  resync(ch: RoomChannel, reason: string): void {
    if (ch.seq === undefined || !this.channels.has(ch.id)) return;
    this.positions.set(ch.id, ch.seq);
    this.direct(Outbound.frame({ type: 'resync', room_id: ch.id, reason, seq: ch.seq }));
  }

  /** Hold live room events back until `release` (see "Resume window" above). */
  hold(): void {
    this.#held ??= new Set();
  }

  /** End the hold: every room that had events meanwhile catches up from its current position. */
  release(): void {
    const rooms = this.#held;
    this.#held = undefined;
    for (const roomId of rooms ?? []) {
      const ch = this.channels.get(roomId);
      if (ch) void this.catchUp(ch);
    }
  }

  /** Bring this client from its position up to the channel's seq, then let live delivery continue. */
  async catchUp(ch: RoomChannel): Promise<void> {
    if (this.#held) {
      this.#held.add(ch.id);
      return;
    }
    if (this.#catching.has(ch.id)) return;
    this.#catching.add(ch.id);
    try {
      for (;;) {
        const pos = this.positions.get(ch.id);
        if (this.closed || this.#stall || pos === undefined || ch.seq === undefined) break;
        if (pos >= ch.seq) break;
        if (this.sink.buffered() > this.limits.queueBytes / 2) {
          await this.#drained(this.limits.queueBytes / 4);
          continue;
        }
        const frames = await ch.framesAfter(pos, 200);
        if (this.positions.get(ch.id) !== pos) continue; // resynced or left meanwhile
        const first = frames[0];
        // Behind the room but nothing left in the log after our position: it was pruned.
        if (!first || first.seq !== pos + 1) {
          this.resync(ch, 'history_unavailable');
          break;
        }
        for (const f of frames) {
          if (!this.#write(f)) break;
          this.positions.set(ch.id, f.seq ?? 0);
          // Catch-up writes (rare) are counted one by one; live ones once per broadcast.
          if (this.sink.transport)
            this.metrics?.eventsDelivered.inc({ transport: this.sink.transport });
        }
      }
    } catch (err) {
      this.log.warn({ err, room_id: ch.id }, 'catch-up failed; reconciliation will retry');
    } finally {
      this.#catching.delete(ch.id);
    }
  }

  /** Stop everything; the transport is closing. */
  dispose(): void {
    this.closed = true;
    if (this.#stall) clearInterval(this.#stall.timer);
    this.#stall = undefined;
  }

  #write(frame: Outbound): boolean {
    if (this.closed) return false;
    if (this.#stall) {
      if (frame.roomId) this.#stall.rooms.add(frame.roomId);
      return false;
    }
    if (this.sink.buffered() > this.limits.queueBytes) {
      this.#stallOn(frame.roomId);
      return false;
    }
    this.sink.write(frame, this);
    return true;
  }

  #stallOn(roomId: string | undefined): void {
    const since = Date.now();
    const timer = setInterval(() => this.#checkStall(), 100);
    timer.unref();
    this.#stall = { rooms: new Set(roomId ? [roomId] : []), since, timer };
    this.log.info({ user_id: this.userId }, 'slow consumer: outbound queue full');
  }

  #checkStall(): void {
    const stall = this.#stall;
    if (!stall) return;
    if (this.closed) return this.dispose();
    if (this.sink.buffered() <= this.limits.queueBytes / 4) {
      clearInterval(stall.timer);
      this.#stall = undefined;
      for (const roomId of stall.rooms) {
        const ch = this.channels.get(roomId);
        if (ch) this.resync(ch, 'slow_consumer');
      }
    } else if (Date.now() - stall.since > this.limits.stallTimeoutMs) {
      this.dispose();
      this.sink.close('slow_consumer');
    }
  }

  #drained(below: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setInterval(() => {
        if (this.closed || this.sink.buffered() <= below) {
          clearInterval(timer);
          resolve();
        }
      }, 20);
      timer.unref();
    });
  }
}
