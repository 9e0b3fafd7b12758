/**
 * Hot-history cache: each recently read room's newest messages, so "open a room" (the newest
 * page) is answered without a message query.
 *
 * Correctness across nodes without any invalidation traffic: every change in a room bumps
 * `rooms.last_seq`, and every history read already loads the room row for its access check. An
 * entry is tagged with the last_seq its contents reflect and is served only while the room's
 * current last_seq equals that tag — so a change made on any node makes every other node's entry
 * stale at once. Writes made on this node are applied in place when they are the very next seq
 * (tag + 1), which keeps a busy room's entry warm; anything else (a gap: another node wrote, or
 * two local commits finished out of order) drops the entry and the next read rebuilds it.
 * Renames change no room's last_seq, so entries also carry `history_names.rev` (migration 0011):
 * a rename anywhere makes every entry stale, and messages show their authors' current names.
 *
 * Invariant: an entry's messages include every change with seq ≤ tag. Rebuilds take the tag
 * from the access check, which runs before the message query, so a snapshot may be newer than its
 * tag (harmless: last_seq then differs and the entry is not served), never older. Applying is
 * idempotent (replace by id), so a change already in a snapshot can be applied again safely.
 *
 * Bounds: at most `maxRooms` entries (least recently used evicted) of `perRoom` messages each.
 */
import type { StoredMessage } from './stored-message.js';

interface Entry {
  tag: number;
  /** `history_names.rev` when filled: any rename makes the entry stale (authors' names). */
  names: number;
  /** The entry holds every message with seq > coverFrom (0: the room's whole history). */
  coverFrom: number;
  /** Oldest first. */
  messages: StoredMessage[];
}

export interface CachedPage {
  messages: StoredMessage[];
  has_more: boolean;
}

export type CacheQuery = { before?: number; after?: number; limit: number };

export class HistoryCache {
  readonly #entries = new Map<string, Entry>();

  constructor(
    readonly maxRooms: number,
    readonly perRoom: number,
  ) {}

  get enabled(): boolean {
    return this.maxRooms > 0;
  }

  /** A page from the cache, or undefined when the entry is missing, stale or does not cover it. */
  read(roomId: string, lastSeq: number, namesRev: number, q: CacheQuery): CachedPage | undefined {
    const entry = this.#entries.get(roomId);
    if (!entry) return undefined;
    if (entry.tag !== lastSeq || entry.names !== namesRev) {
      this.#entries.delete(roomId);
      return undefined;
    }
    this.#touch(roomId, entry);
    const { messages, coverFrom } = entry;
    if (q.after !== undefined) {
      if (q.after < coverFrom) return undefined;
      const newer = messages.filter((m) => m.seq > q.after!);
      return { messages: newer.slice(0, q.limit), has_more: newer.length > q.limit };
    }
    const before = q.before ?? Number.POSITIVE_INFINITY;
    const older = messages.filter((m) => m.seq < before);
    if (older.length > q.limit) return { messages: older.slice(-q.limit), has_more: true };
    if (coverFrom === 0) return { messages: older, has_more: false };
    // Message `coverFrom` exists and is older than everything cached: there is more.
    if (older.length === q.limit && coverFrom < before) return { messages: older, has_more: true };
    return undefined;
  }

  /**
   * Stores the newest messages of a room. `newest` holds up to perRoom + 1 messages, oldest
   * first; the extra one, if present, only marks that older history exists.
   */
  fill(roomId: string, tag: number, names: number, newest: StoredMessage[]): void {
    if (!this.enabled) return;
    const complete = newest.length <= this.perRoom;
    const messages = complete ? newest : newest.slice(1);
    const coverFrom = complete ? 0 : newest[0]!.seq;
    this.#touch(roomId, { tag, names, coverFrom, messages });
  }

  /** A change this node committed with `seq`; `message` is the message it created or changed. */
  apply(roomId: string, seq: number, message?: StoredMessage): void {
    const entry = this.#entries.get(roomId);
    if (!entry || entry.tag >= seq) return; // absent, or rebuilt from a snapshot that has it
    if (entry.tag !== seq - 1) {
      this.#entries.delete(roomId);
      return;
    }
    entry.tag = seq;
    if (!message || message.seq <= entry.coverFrom) return;
    const at = entry.messages.findIndex((m) => m.id === message.id);
    if (at >= 0) {
      entry.messages[at] = message;
    } else if (message.seq > (entry.messages.at(-1)?.seq ?? 0)) {
      entry.messages.push(message);
      if (entry.messages.length > this.perRoom) entry.coverFrom = entry.messages.shift()!.seq;
    } else {
      this.#entries.delete(roomId); // inside the window but unknown: should not happen; be safe
    }
  }

  get size(): number {
    return this.#entries.size;
  }

  #touch(roomId: string, entry: Entry): void {
    this.#entries.delete(roomId);
    this.#entries.set(roomId, entry);
    if (this.#entries.size > this.maxRooms) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
  }
}
