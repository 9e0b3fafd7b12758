/**
 * The realtime hub: this node's registry of who listens to what, and the `EventPublisher` the
 * domain hands committed events to.
 *
 * Ownership: the hub owns the broker it is given (closes it), the room registry (one channel per
 * room with local interest: subscriptions or long-poll waiters, each with its broker
 * subscription), the user topics (subscribed while a user has a local connection) and the
 * presence topic. Transports own their sockets and call `connect` / `join` / `leave` /
 * `disconnect`.
 *
 * Flow: publish → encode once → broker (other nodes) and the local channel → subscriptions.
 * Broker input → channel.ingest (ordering, gap fill). A timer reconciles every followed room
 * against `rooms.last_seq` (bounding the staleness left by a lost publish or a crashed node) and,
 * less often, each followed user's memberships.
 *
 * Shutdown (app onClose, after the transports closed their connections): stop the timer,
 * dispose the remaining subscriptions, close the broker.
 */
import type { ReadFrame, RoomEvent, TypingFrame } from '@parley/protocol';
import type { Logger } from 'pino';
import type { EventPublisher } from '../domain/event-log.js';
import type { Metrics, Transport } from '../observability/metrics.js';
import { currentTraceparent, traceDelivery } from '../observability/trace-links.js';
import { topics, type Broker } from './broker.js';
import type { EventLogReader } from './log.repository.js';
import { waitForEvent } from './long-poll.js';
import { Membership } from './membership.js';
import { Outbound } from './outbound.js';
import type { RoomChannel } from './room-channel.js';
import { RoomRegistry } from './room-registry.js';
import { Subscription, type Sink, type SubscriptionLimits } from './subscription.js';

export interface HubOptions {
  broker: Broker;
  reader: EventLogReader;
  log: Logger;
  reconcileMs: number;
  limits: SubscriptionLimits;
  /** Records connections, deliveries, catch-ups and messages sent (observability/metrics.ts). */
  metrics?: Metrics;
}

export interface JoinRequest {
  roomId: string;
  /** Resume after this seq; undefined = from now on (nothing from the past). */
  from?: number | undefined;
}

interface PresenceNotice {
  type: 'presence';
  user_id: string;
  status: 'online' | 'offline';
  room_ids: string[];
}

export class Hub implements EventPublisher {
  readonly rooms: RoomRegistry;
  readonly membership: Membership;
  readonly #users = new Map<string, Set<Subscription>>();
  readonly #broker: Broker;
  #timer: NodeJS.Timeout | undefined;
  #reconciling = false;
  #closed = false;

  constructor(private readonly opts: HubOptions) {
    this.#broker = opts.broker;
    this.membership = new Membership(this, opts.reader, opts.log);
    this.rooms = new RoomRegistry(opts.broker, opts.reader, opts.log, (ch, frame) => {
      this.#recordDeliveries(frame);
      this.membership.onEvent(ch, frame);
    });
    opts.broker.onMessage((topic, payload) => this.#onBroker(topic, payload));
    opts.broker.onReconnect(() => void this.reconcile());
  }

  /**
   * After a broadcast's fan-out loop: its live writes per transport, and one latency observation
   * per transport (commit → this node has written the event to every local recipient).
   */
  #recordDeliveries(frame: Outbound): void {
    const writes = frame.liveWrites;
    const metrics = this.opts.metrics;
    if (!writes || !metrics) return;
    const at = frame.committedAtMs;
    const seconds = at === undefined ? undefined : Math.max(0, (Date.now() - at) / 1000);
    for (const [transport, n] of Object.entries(writes) as [Transport, number][]) {
      metrics.eventsDelivered.inc({ transport }, n);
      if (seconds !== undefined) metrics.deliveryLatency.observe({ transport }, seconds);
    }
  }

  async start(): Promise<void> {
    // Not awaited: with Redis down the subscription waits for it, and start-up must not.
    this.#broker.subscribe([topics.presence]).catch(this.#warn('subscribe presence'));
    this.#timer = setInterval(() => void this.#tick(), this.opts.reconcileMs);
    this.#timer.unref();
  }

  async close(): Promise<void> {
    this.#closed = this.rooms.closed = true;
    clearInterval(this.#timer);
    for (const subs of this.#users.values()) for (const sub of subs) sub.dispose();
    await this.#broker.close();
  }

  /** Local subscriptions by user: who is connected to this node. */
  get users(): ReadonlyMap<string, ReadonlySet<Subscription>> {
    return this.#users;
  }

  // ---- publishing ----------------------------------------------------------------------------

  publish(events: readonly RoomEvent[]): void {
    // Called inside the send's request: its trace is linked from the local delivery span.
    const traceparent = currentTraceparent();
    for (const event of events) {
      // Counted here, where every committed new message passes exactly once (replays don't).
      if (event.event === 'message.created') this.opts.metrics?.messagesSent.inc();
      const frame = Outbound.event(event);
      this.#broker.publish(topics.room(event.room_id), frame.json);
      const ch = this.rooms.get(event.room_id);
      ch?.ingest(frame);
      const recipients = ch?.subs.size ?? 0;
      traceDelivery({ roomId: event.room_id, seq: event.seq, recipients, traceparent });
      const joined = event.event === 'member.joined' ? memberId(event) : undefined;
      if (joined) {
        const notice = { type: 'joined', room_id: event.room_id, seq: event.seq };
        this.#broker.publish(topics.user(joined), JSON.stringify(notice));
        this.membership.joined(joined, event.room_id, event.seq);
      }
    }
  }

  /** Typing and read receipts: to every subscriber of the room, on every node. */
  signal(frame: TypingFrame | ReadFrame): void {
    const out = Outbound.frame(frame);
    this.#broker.publish(topics.room(frame.room_id), out.json);
    this.rooms.get(frame.room_id)?.signal(out);
  }

  /** Presence goes to every connection sharing one of `roomIds` with the user, once each. */
  announcePresence(userId: string, status: 'online' | 'offline', roomIds: string[]): void {
    const notice: PresenceNotice = { type: 'presence', user_id: userId, status, room_ids: roomIds };
    this.#broker.publish(topics.presence, JSON.stringify(notice));
    this.#deliverPresence(notice);
  }

  // ---- subscriptions -------------------------------------------------------------------------

  connect(sink: Sink, followsMembership: boolean): Subscription {
    const sub = new Subscription(
      sink,
      followsMembership,
      this.opts.limits,
      this.opts.log,
      this.opts.metrics,
    );
    if (sink.transport) this.opts.metrics?.openConnections.inc({ transport: sink.transport });
    let set = this.#users.get(sub.userId);
    if (!set) {
      this.#users.set(sub.userId, (set = new Set()));
      this.#broker.subscribe([topics.user(sub.userId)]).catch(this.#warn('subscribe user'));
    }
    set.add(sub);
    return sub;
  }

  /**
   * Follow rooms. Resolves when every room is live or catching up; rooms that do not exist are
   * skipped. Rejects (following none of `requests`) when the database does not answer.
   */
  async join(sub: Subscription, requests: readonly JoinRequest[]): Promise<void> {
    const wanted = requests.filter((r) => !sub.channels.has(r.roomId));
    const chans = this.rooms.acquire(wanted.map((r) => r.roomId));
    chans.forEach((ch) => {
      ch.subs.add(sub);
      sub.channels.set(ch.id, ch);
    });
    try {
      await Promise.all(chans.map((ch) => ch.ready));
    } catch (err) {
      for (const r of wanted) this.leave(sub, r.roomId);
      throw err;
    }
    for (const { roomId, from } of wanted) {
      const ch = sub.channels.get(roomId);
      if (ch?.seq === undefined) this.leave(sub, roomId);
      else await this.#position(sub, ch, from);
    }
  }

  /**
   * `resume`: move followed rooms to the client's positions (it gets everything after them, in
   * order, then live events). Returns the rooms in `positions` this subscription does not follow.
   */
  async resume(sub: Subscription, positions: Record<string, number>): Promise<string[]> {
    const unknown: string[] = [];
    for (const [roomId, from] of Object.entries(positions)) {
      const ch = sub.channels.get(roomId);
      if (!ch) unknown.push(roomId);
      else if ((await ch.ready.catch(() => undefined), ch.seq !== undefined))
        await this.#position(sub, ch, from);
    }
    return unknown;
  }

  leave(sub: Subscription, roomId: string): void {
    const ch = sub.channels.get(roomId);
    if (!ch) return;
    sub.channels.delete(roomId);
    sub.positions.delete(roomId);
    ch.subs.delete(sub);
    this.rooms.release(ch);
  }

  disconnect(sub: Subscription): void {
    sub.dispose();
    for (const roomId of [...sub.channels.keys()]) this.leave(sub, roomId);
    const set = this.#users.get(sub.userId);
    if (!set?.delete(sub)) return;
    const transport = sub.sink.transport;
    if (transport) this.opts.metrics?.openConnections.dec({ transport });
    if (set.size > 0) return;
    this.#users.delete(sub.userId);
    if (!this.#closed)
      this.#broker.unsubscribe([topics.user(sub.userId)]).catch(this.#warn('unsubscribe user'));
  }

  /** The long-poll seam (the messages route's `RoomWaiter`); see long-poll.ts. */
  async waitFor(
    roomId: string,
    afterSeq: number,
    ms: number,
    signal?: AbortSignal,
  ): Promise<boolean> {
    const metrics = this.opts.metrics;
    metrics?.openConnections.inc({ transport: 'longpoll' });
    try {
      const woken = await waitForEvent(this.rooms, roomId, afterSeq, ms, signal ? { signal } : {});
      // One per poll answered by a new event (the route then reads what is new from the log).
      if (woken) metrics?.eventsDelivered.inc({ transport: 'longpoll' });
      return woken;
    } finally {
      metrics?.openConnections.dec({ transport: 'longpoll' });
    }
  }

  /** Compare every followed room with `rooms.last_seq`; fill what this node missed. */
  async reconcile(): Promise<void> {
    if (this.#reconciling || this.#closed) return;
    this.#reconciling = true;
    try {
      const chans = this.rooms.all().filter((c) => c.seq !== undefined);
      for (let i = 0; i < chans.length; i += 1000) {
        const page = chans.slice(i, i + 1000);
        const seqs = await this.opts.reader.lastSeqs(page.map((c) => c.id));
        for (const ch of page) {
          const last = seqs.get(ch.id) ?? 0;
          if (last > (ch.seq ?? last)) {
            this.opts.metrics?.reconciliationCatchups.inc();
            void ch.fill();
          }
          // A subscription whose catch-up failed earlier (database blip) gets another go.
          for (const sub of ch.subs) {
            if ((sub.positions.get(ch.id) ?? Infinity) < (ch.seq ?? 0)) void sub.catchUp(ch);
          }
        }
      }
    } catch (err) {
      this.opts.log.warn({ err }, 'realtime reconciliation failed; retrying next tick');
    } finally {
      this.#reconciling = false;
    }
  }

  // ---- internals -----------------------------------------------------------------------------

  /** Start `sub` after `from` (undefined: from now on); a position past the log is resynced. */
  async #position(sub: Subscription, ch: RoomChannel, from: number | undefined): Promise<void> {
    if (sub.closed) return;
    if (from !== undefined && from > (ch.seq ?? 0)) await ch.fill();
    const seq = ch.seq ?? 0;
    if (from !== undefined && from > seq) return sub.resync(ch, 'invalid_position');
    sub.positions.set(ch.id, from ?? seq);
    if (from !== undefined && from < seq) void sub.catchUp(ch);
  }

  async #tick(): Promise<void> {
    await this.reconcile();
    await this.membership.tick();
  }

  #onBroker(topic: string, payload: string): void {
    let msg: { type?: unknown; room_id?: unknown; seq?: unknown };
    try {
      msg = JSON.parse(payload) as typeof msg;
    } catch {
      this.opts.log.warn({ topic }, 'ignoring a malformed broker message');
      return;
    }
    const colon = topic.indexOf(':');
    const kind = colon < 0 ? topic : topic.slice(0, colon);
    const id = topic.slice(colon + 1);
    if (kind === 'room') {
      const ch = this.rooms.get(id);
      if (msg.type === 'event') ch?.ingest(Outbound.event(msg as RoomEvent, payload));
      else if (msg.type === 'typing' || msg.type === 'read')
        ch?.signal(Outbound.frame(msg as TypingFrame, payload));
    } else if (kind === 'user' && msg.type === 'joined') {
      this.membership.joined(id, String(msg.room_id), Number(msg.seq));
    } else if (kind === 'presence' && msg.type === 'presence') {
      this.#deliverPresence(msg as PresenceNotice);
    }
  }

  #deliverPresence(notice: PresenceNotice): void {
    const out = Outbound.frame({
      type: 'presence',
      user_id: notice.user_id,
      status: notice.status,
    });
    const seen = new Set<Subscription>();
    for (const roomId of notice.room_ids) {
      for (const sub of this.rooms.get(roomId)?.subs ?? []) {
        if (seen.has(sub)) continue;
        seen.add(sub);
        sub.signal(out);
      }
    }
  }

  #warn(what: string) {
    return (err: unknown) => this.opts.log.warn({ err }, `realtime broker: ${what} failed`);
  }
}

function memberId(event: RoomEvent): string | undefined {
  const data = event.data as { user?: { id?: unknown } } | undefined;
  return typeof data?.user?.id === 'string' ? data.user.id : undefined;
}
