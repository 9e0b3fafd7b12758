/**
 * Reading a room's history (API.md "Reading history"): seq-cursor pages, `since` by time, and the
 * long-poll seam. The newest page — what opening a room asks for — is served from the hot-history
 * cache whenever the room has not changed since it was cached (see history-cache.ts).
 */
import { MAX_HISTORY_LIMIT, type MessagePage } from '@parley/protocol';
import { LRUCache } from 'lru-cache';
import { invalid } from '../../errors.js';
import type { Actor } from '../actor.js';
import type { ChatDeps } from '../rooms/chat-deps.js';
import type { RoomRow } from '../rooms/room.repository.js';
import { requireRoom } from '../rooms/room-access.js';
import type { HistoryBlocks } from './history-blocks.js';
import type { CachedPage, HistoryCache } from './history-cache.js';
import { listPage, type Cursor } from './message.repository.js';
import { listPageRendered } from './rendered-page.repository.js';
import { toWire } from './stored-message.js';

export interface HistoryQuery {
  limit?: number;
  before?: number;
  after?: number;
  /** RFC 3339 or unix seconds. */
  since?: string;
  /** Long-poll seconds, 0..30, with `after` only. */
  wait?: number;
}

/** A page as its finished JSON body, for one reader. */
export type RenderedPage = string | Buffer;

export const MAX_WAIT_S = 30;
export const DEFAULT_LIMIT = 50;

/** Wire pages kept for reuse (see `#shared`): a few hundred recent (room, last_seq, cursor)s. */
const SHARED_PAGES = 256;

export class HistoryService {
  /**
   * Wire pages that look the same to every reader, by room, last_seq, cursor and limit: the
   * same object is handed out again, so the transport can encode it once (http/messages.routes.ts
   * memoises the JSON per page object). Sound because every change to a room bumps its last_seq
   * (see history-cache.ts): a key names one state of the room. Only pages without reactions are
   * shared — a reaction's `me` differs per reader.
   */
  readonly #shared = new LRUCache<string, MessagePage>({ max: SHARED_PAGES });

  constructor(
    private readonly deps: ChatDeps,
    private readonly cache: HistoryCache,
    private readonly blocks: HistoryBlocks,
  ) {}

  async list(
    actor: Actor,
    roomId: string,
    query: HistoryQuery,
    signal?: AbortSignal,
  ): Promise<MessagePage> {
    return this.#list(actor, roomId, query, signal, false) as Promise<MessagePage>;
  }

  /**
   * `list` for a transport that answers in JSON: a seq-cursor page that no cache holds comes back
   * as the finished JSON body for this reader, spliced from the database's column text
   * (rendered-page.repository.ts); every other page as `list` returns it. Same content either way.
   */
  async listRendered(
    actor: Actor,
    roomId: string,
    query: HistoryQuery,
    signal?: AbortSignal,
  ): Promise<MessagePage | RenderedPage> {
    return this.#list(actor, roomId, query, signal, true);
  }

  async #list(
    actor: Actor,
    roomId: string,
    query: HistoryQuery,
    signal: AbortSignal | undefined,
    render: boolean,
  ): Promise<MessagePage | RenderedPage> {
    const { cursor, limit, wait } = parseQuery(query);
    const room = await requireRoom(this.deps.pool, actor, roomId, 'read');
    const sharedKey =
      cursor.kind === 'since' || wait > 0
        ? undefined
        : `${room.id}:${room.last_seq}:${room.names_rev}:${cursor.kind}:${cursor.kind === 'latest' ? '' : cursor.seq}:${limit}`;
    const shared = sharedKey === undefined ? undefined : this.#shared.get(sharedKey);
    if (shared) return shared;
    const rendered = render && wait === 0 ? actor.id : undefined;
    const read = await this.#read(room, cursor, limit, rendered);
    if (typeof read === 'string' || Buffer.isBuffer(read)) return read;
    let page = read;
    if (sharedKey !== undefined && page.messages.every((m) => m.reactions.length === 0)) {
      const wire = { messages: page.messages.map((m) => toWire(m, null)), has_more: page.has_more };
      this.#shared.set(sharedKey, wire);
      return wire;
    }

    // Long-poll: nothing newer yet → wait for the room's next event, then look again (the event
    // may be no message, e.g. a member joining: keep waiting until the deadline).
    const waiter = this.deps.waiter();
    if (wait > 0 && waiter && cursor.kind === 'after' && page.messages.length === 0) {
      const deadline = Date.now() + wait * 1000;
      let seen = Math.max(room.last_seq, cursor.seq);
      while (!signal?.aborted && Date.now() < deadline) {
        await waiter.waitFor(room.id, seen, deadline - Date.now(), signal);
        const now = await requireRoom(this.deps.pool, actor, room.id, 'read');
        // Events are published after commit, so a wake-up without a newer last_seq means the
        // waiter timed out, was aborted or is shutting down: stop rather than spin.
        if (now.last_seq <= seen) break;
        seen = now.last_seq;
        page = (await this.#read(now, cursor, limit)) as CachedPage;
        if (page.messages.length > 0) break;
      }
    }
    return { messages: page.messages.map((m) => toWire(m, actor.id)), has_more: page.has_more };
  }

  /**
   * The page from the hot cache, else from the database; with `renderFor` (a reader's id), a
   * seq-cursor page the hot cache does not hold comes back as its JSON body instead, from the
   * older-history blocks or the database.
   */
  async #read(
    room: RoomRow,
    cursor: Cursor,
    limit: number,
    renderFor?: string,
  ): Promise<CachedPage | RenderedPage> {
    const { pool } = this.deps;
    const { id: roomId, last_seq: lastSeq, names_rev: namesRev } = room;
    const cacheable = cursor.kind !== 'since' && this.cache.enabled;
    const cacheQuery = {
      limit,
      before: cursor.kind === 'before' ? cursor.seq : undefined,
      after: cursor.kind === 'after' ? cursor.seq : undefined,
    };
    if (cacheable) {
      const hit = this.cache.read(roomId, lastSeq, namesRev, cacheQuery);
      if (hit) return hit;
      if (cursor.kind === 'latest') {
        // Open-a-room read missed: rebuild the room's entry, then serve from it.
        const newest = await listPage(pool, roomId, { kind: 'latest' }, this.cache.perRoom + 1);
        this.cache.fill(roomId, lastSeq, namesRev, newest);
        const filled = this.cache.read(roomId, lastSeq, namesRev, cacheQuery);
        if (filled) return filled;
      }
    }
    if (renderFor !== undefined && (cursor.kind === 'before' || cursor.kind === 'after')) {
      const cached = await this.blocks.page(room, cursor, limit, renderFor);
      if (cached !== undefined) return cached;
      const page = toPage(
        await listPageRendered(pool, roomId, cursor, limit + 1, renderFor),
        cursor,
        limit,
      );
      return `{"messages":[${page.messages.map((m) => m.json).join(',')}],"has_more":${page.has_more}}`;
    }
    return toPage(await listPage(pool, roomId, cursor, limit + 1), cursor, limit);
  }
}

/** A page from the limit + 1 rows read next to the cursor (the extra one says there is more). */
function toPage<T>(rows: T[], cursor: Cursor, limit: number): { messages: T[]; has_more: boolean } {
  const has_more = rows.length > limit;
  if (!has_more) return { messages: rows, has_more };
  // latest/before fetched the newest limit+1: drop the oldest; after/since: drop the newest.
  const older = cursor.kind === 'latest' || cursor.kind === 'before';
  return { messages: older ? rows.slice(1) : rows.slice(0, limit), has_more };
}

function parseQuery(q: HistoryQuery): { cursor: Cursor; limit: number; wait: number } {
  const limit = q.limit ?? DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_HISTORY_LIMIT)
    throw bad('querystring.limit', `must be an integer from 1 to ${MAX_HISTORY_LIMIT}`);
  const given = (['before', 'after', 'since'] as const).filter((k) => q[k] !== undefined);
  if (given.length > 1) throw bad(`querystring.${given[1]}`, `cannot be combined with ${given[0]}`);
  const wait = q.wait ?? 0;
  if (!Number.isInteger(wait) || wait < 0 || wait > MAX_WAIT_S)
    throw bad('querystring.wait', `must be an integer from 0 to ${MAX_WAIT_S}`);
  if (wait > 0 && q.after === undefined) throw bad('querystring.wait', 'needs after=<seq>');
  for (const k of ['before', 'after'] as const) {
    const v = q[k];
    if (v !== undefined && (!Number.isSafeInteger(v) || v < 0))
      throw bad(`querystring.${k}`, 'must be a non-negative integer seq');
  }
  const cursor: Cursor =
    q.before !== undefined
      ? { kind: 'before', seq: q.before }
      : q.after !== undefined
        ? { kind: 'after', seq: q.after }
        : q.since !== undefined
          ? { kind: 'since', at: parseSince(q.since) }
          : { kind: 'latest' };
  return { cursor, limit, wait };
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

/** `since=`: RFC 3339 (with a zone) or unix seconds (fractions allowed). */
export function parseSince(raw: string): Date {
  const s = raw.trim();
  let ms = Number.NaN;
  if (/^\d{1,12}(\.\d{1,6})?$/.test(s)) ms = Number(s) * 1000;
  else if (RFC3339.test(s)) ms = Date.parse(s.replace(' ', 'T'));
  const date = new Date(ms);
  if (Number.isNaN(ms) || Number.isNaN(date.getTime()) || date.getUTCFullYear() > 9999)
    throw bad('querystring.since', 'must be an RFC 3339 time or unix seconds');
  return date;
}

const bad = (field: string, message: string) =>
  invalid(`${field} ${message}`, [{ field, message }]);
