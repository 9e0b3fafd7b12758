/**
 * Presence service: online/offline per user, broadcast to the connections that share a room with
 * them. Transports call `connected` / `disconnected` for each authenticated connection. A
 * heartbeat every TTL/3 refreshes this node's entries (and re-announces a user the store had
 * expired, e.g. after a Redis restart); a sweep at the same pace announces users whose entries all
 * expired (clients that vanished with a crashed node). On shutdown (`stop`) this node's entries are
 * removed at once, so its users show offline without waiting for the TTL.
 */
import { randomBytes } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { BatchedLookup } from '../db/batch-queue.js';
import type { Logger } from 'pino';
import type { Hub } from './hub.js';
import type { EventLogReader } from './log.repository.js';
import { Outbound } from './outbound.js';
import type { PresenceStore } from './presence-store.js';
import type { Subscription } from './subscription.js';

const ONLINE_FRAMES = 10_000;
const ROOMMATES_BATCH = 16;
const ROOMMATE_ROWS = 20_000;

export class Presence {
  readonly #node = randomBytes(4).toString('hex');
  #timer: NodeJS.Timeout | undefined;
  /**
   * `presence online` frames by user, shared by every new connection's snapshot (encoded once, as
   * broadcasts are) instead of built per connection and roommate. A frame depends on the user id
   * alone, so an entry is never stale: the bound only caps memory.
   */
  readonly #onlineFrames = new LRUCache<string, Outbound>({ max: ONLINE_FRAMES });
  readonly #roommates = new BatchedLookup<string, string[]>(
    (userIds) => this.#lookupRoommates(userIds),
    (userId) => userId,
    // An answer is up to (users × online) rows, each query's parsed in one go: small batches,
    // and queries of at most ROOMMATE_ROWS rows, keep each parse short next to deliveries (256
    // users of a 1,000-member room at once blocked them for ~0.5 s).
    ROOMMATES_BATCH,
  );

  constructor(
    private readonly store: PresenceStore,
    private readonly hub: Hub,
    private readonly reader: EventLogReader,
    private readonly log: Logger,
    private readonly ttlMs: number,
  ) {}

  start(): void {
    this.#timer = setInterval(() => void this.#tick(), Math.max(100, this.ttlMs / 3));
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    const all = [...this.hub.users.values()].flatMap((subs) => [...subs]);
    await Promise.allSettled(all.map((sub) => this.disconnected(sub)));
    await this.store.close();
  }

  async connected(sub: Subscription): Promise<void> {
    await this.#guard(async () => {
      if (await this.store.connect(sub.userId, this.#connId(sub), this.ttlMs))
        await this.#announce(sub.userId, 'online');
    });
  }

  async disconnected(sub: Subscription): Promise<void> {
    await this.#guard(async () => {
      if (await this.store.disconnect(sub.userId, this.#connId(sub)))
        await this.#announce(sub.userId, 'offline');
    });
  }

  online(userIds: readonly string[]): Promise<Set<string>> {
    return this.store.online(userIds);
  }

  /**
   * Who of the people sharing a room with `userId` is online now: a new connection's snapshot.
   * Connections that ask while a lookup runs wait for the next one, which serves them all in
   * one query (a restart reconnects everyone at once); each lookup reads who is online after
   * every connection in it asked, so none misses a roommate who came online before it joined
   * its rooms.
   */
  async onlineRoommates(userId: string): Promise<string[]> {
    return (await this.#roommates.load(userId)) ?? [];
  }

  /** One lookup for many users: who is online, then who of them shares a room with each. */
  async #lookupRoommates(userIds: string[]): Promise<Map<string, string[]>> {
    // Start from who is online (usually far fewer than everyone sharing `general`): the
    // database touches only online users' memberships.
    const online = await this.store.everyoneOnline();
    if (online.length === 0) return new Map();
    // At most ~ROOMMATE_ROWS rows per query: with 10,000 users online, two users at a time.
    const per = Math.max(1, Math.floor(ROOMMATE_ROWS / online.length));
    const found = new Map<string, string[]>();
    for (let i = 0; i < userIds.length; i += per)
      for (const [userId, ids] of await this.reader.roommates(userIds.slice(i, i + per), online))
        found.set(userId, ids);
    return found;
  }

  /** `onlineRoommates` as the `presence` frames a new connection is sent. */
  async onlineSnapshot(userId: string): Promise<Outbound[]> {
    const ids = await this.onlineRoommates(userId);
    return ids.map((id) => {
      let frame = this.#onlineFrames.get(id);
      if (!frame) {
        frame = Outbound.frame({ type: 'presence', user_id: id, status: 'online' });
        this.#onlineFrames.set(id, frame);
      }
      return frame;
    });
  }

  async #tick(): Promise<void> {
    await this.#guard(async () => {
      for (const subs of this.hub.users.values()) {
        for (const sub of subs) {
          if (await this.store.connect(sub.userId, this.#connId(sub), this.ttlMs))
            await this.#announce(sub.userId, 'online');
        }
      }
      for (const userId of await this.store.sweep()) await this.#announce(userId, 'offline');
    });
  }

  async #announce(userId: string, status: 'online' | 'offline'): Promise<void> {
    const rooms = (await this.reader.memberships([userId])).get(userId) ?? [];
    this.hub.announcePresence(userId, status, rooms);
  }

  #connId(sub: Subscription): string {
    return `${this.#node}:${sub.id}`;
  }

  async #guard(fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      this.log.warn({ err }, 'presence update failed; the next heartbeat retries');
    }
  }
}
