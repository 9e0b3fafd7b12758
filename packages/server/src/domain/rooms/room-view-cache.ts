/**
 * Room views (a room's row and one user's membership: what every access check reads) kept in
 * memory between requests, for a node that is its database's only writer — one node, no
 * `REDIS_URL`. Opening a room, scrolling its history, sending: each starts with this check, and
 * without the cache each pays a round trip to PostgreSQL for it (docs/PERFORMANCE.md).
 *
 * What must stay true: a check asked after a write was answered sees that write, as the
 * database lookup does. It holds because everything a view carries changes only through writes
 * this node makes, and each is forgotten here after its commit and before it is answered:
 * - every change in a room is an event in its log (messages, edits, reactions, joins, leaves,
 *   role changes, renames and archiving of the room) — `forgetOnPublish` forgets the room as
 *   each committed event is handed to the realtime hub (app.ts wires it);
 * - a read position (`last_read_seq`) — the receipts service's `signalRead`, likewise;
 * - a user's rename (`names_rev`, the history caches' tag) — the user service's `onRename`
 *   forgets everything.
 * A view also expires `ttlMs` after it was read, which bounds what a write from outside this
 * node (the operator CLI adding a user to `general`) can leave stale.
 *
 * A lookup that started before a change must not store its older answer after the change was
 * forgotten: each room's entry carries a generation that every forget bumps, and a lookup stores
 * its answer only into the entry, and at the generation, it started with.
 */
import { LRUCache } from 'lru-cache';
import type { CacheRead } from '../../observability/metrics.js';
import type { EventPublisher } from '../event-log.js';
import type { RoomViewRow } from './room.repository.js';

export interface RoomViewCacheOptions {
  /** How long a view is trusted without a forget; > 0. */
  ttlMs: number;
  /** Rooms kept (the least recently used goes first, with its views). */
  maxRooms?: number;
  /** Views kept in all (~0.5 KiB each: 20,000 by default); past it, readers look up every time. */
  maxViews?: number;
  /** Told how each check was answered (metrics). */
  observe?: (read: CacheRead) => void;
}

interface RoomEntry {
  generation: number;
  views: Map<string, { row: RoomViewRow; at: number }>;
}

export class RoomViewCache {
  readonly #rooms: LRUCache<string, RoomEntry>;
  readonly #ttlMs: number;
  readonly #maxViews: number;
  readonly #observe: (read: CacheRead) => void;
  /** Views held by every entry together (bounded by maxViews). */
  #views = 0;

  constructor(options: RoomViewCacheOptions) {
    this.#ttlMs = options.ttlMs;
    this.#observe = options.observe ?? (() => undefined);
    this.#maxViews = options.maxViews ?? 20_000;
    this.#rooms = new LRUCache({
      max: options.maxRooms ?? 5_000,
      dispose: (entry) => (this.#views -= entry.views.size),
    });
  }

  /**
   * The view of `roomId` for `userId`, from memory while it is fresh, else from `load` (stored
   * unless a forget came first). A room that does not exist is never stored.
   */
  async get(
    roomId: string,
    userId: string,
    load: () => Promise<RoomViewRow | undefined>,
  ): Promise<RoomViewRow | undefined> {
    // Lower case: the keys of forgets come from PostgreSQL, a path may spell a uuid in upper case.
    const room = roomId.toLowerCase();
    const user = userId.toLowerCase();
    let entry = this.#rooms.get(room);
    const cached = entry?.views.get(user);
    if (cached && performance.now() - cached.at < this.#ttlMs) {
      this.#observe('hit');
      return cached.row;
    }
    this.#observe('load');
    if (!entry) {
      entry = { generation: 0, views: new Map() };
      this.#rooms.set(room, entry);
    }
    const { generation } = entry;
    const at = performance.now();
    const row = await load();
    if (row && this.#rooms.peek(room) === entry && entry.generation === generation) {
      const added = !entry.views.has(user);
      if (!added || this.#views < this.#maxViews) {
        entry.views.set(user, { row, at });
        if (added) this.#views += 1;
      }
    }
    return row;
  }

  /** Something in the room changed (committed): its views are read again. */
  forgetRoom(roomId: string): void {
    const entry = this.#rooms.peek(roomId.toLowerCase());
    if (!entry) return;
    entry.generation += 1;
    this.#views -= entry.views.size;
    entry.views.clear();
  }

  /** Something every view carries changed (a rename): all are read again. */
  forgetAll(): void {
    // Lookups in flight hold entries no longer here, so none of them stores its answer.
    this.#rooms.clear(); // disposes each entry: #views returns to 0
  }
}

/**
 * `publisher` that first forgets each committed event's room: every write of the node hands its
 * events here after commit and before it answers (rooms/chat-deps.ts, users/user.service.ts).
 */
export function forgetOnPublish(cache: RoomViewCache, publisher: EventPublisher): EventPublisher {
  return {
    publish(events) {
      for (const e of events) cache.forgetRoom(e.room_id);
      publisher.publish(events);
    },
  };
}
