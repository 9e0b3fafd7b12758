/**
 * Older-history cache: a room's history in blocks of BLOCK_SEQS consecutive seqs, each block
 * holding its messages ready to send, so scrolling back (a `before`/`after` page) is answered
 * without a message query once a block has been read. The hot-history cache (history-cache.ts)
 * keeps the newest page; this keeps the rest.
 *
 * Why a block stays correct: a block is cached only when it is full — every seq in it is at most
 * the room's `last_seq` — and seqs are assigned under the room's lock and committed in order, so
 * no message can be added to it later. What can still change is the messages in it (an edit, a
 * deletion, a reaction) and their authors' names; migration 0011 counts both on every node's
 * behalf (`rooms.history_rev`, `history_names.rev`), and every history read already loads the
 * room row for its access check. A block is tagged with the revisions read *before* its query and
 * served only to reads that saw the same revisions. A change commits its revision bump with it,
 * so a snapshot can be newer than its tag (a change committed between the check and the query:
 * then only reads as old as the tag, concurrent with it, are served the fresher block, and every
 * later read sees the new revision and reloads) but never older. New messages do not touch the
 * revision, so a busy room's older blocks stay warm while it grows; the first edit or reaction in
 * a room makes all its blocks stale at once, everywhere, and they reload as they are read.
 *
 * A block is its messages' JSON in one buffer, comma-separated, so a page is a few slices of one
 * or two blocks copied into the response: no rendering, no UTF-8 encoding per read. A message
 * with reactions is kept apart and rendered per read (its reactions carry the reader's `me`).
 *
 * Bounded by bytes (least recently used blocks go first); a page that would need more than a few
 * block loads (a room whose seqs are mostly reactions and edits) is left to one database query.
 */
import { LRUCache } from 'lru-cache';
import type { CacheRead } from '../../observability/metrics.js';
import { renderCell, type RenderedCell } from './rendered-page.repository.js';

/** Seqs per block: a 50-message page of a room that is mostly messages spans one or two. */
export const BLOCK_SEQS = 64;
/** Block loads one page may start before it leaves the page to a single query. */
const MAX_LOADS = 3;

/** A room as its access check read it: what a cached block must match to be served. */
export interface HistoryVersion {
  id: string;
  last_seq: number;
  history_rev: number;
  names_rev: number;
}

export type SeqCursor = { kind: 'before' | 'after'; seq: number };

type ReactingCell = Extract<RenderedCell, { head: string }>;

interface Block {
  rev: string;
  /** The messages' seqs, oldest first. */
  seqs: number[];
  /** Each message's JSON followed by a comma, in order; a message with reactions has none here. */
  json: Buffer;
  /** Message i is json[offsets[i], offsets[i + 1] - 1); zero length for one in `reacting`. */
  offsets: Uint32Array;
  /** Messages with reactions, by index. */
  reacting: Map<number, ReactingCell>;
}

/** Messages `from..to` (indexes, inclusive) of one block. */
interface Span {
  block: Block;
  from: number;
  to: number;
}

/** Reads every message with `from ≤ seq ≤ to`, oldest first, ready to send. */
export type BlockLoader = (roomId: string, from: number, to: number) => Promise<RenderedCell[]>;

const OPEN = Buffer.from('{"messages":[');
const COMMA = Buffer.from(',');
const CLOSE = { more: Buffer.from('],"has_more":true}'), end: Buffer.from('],"has_more":false}') };

export class HistoryBlocks {
  readonly #blocks: LRUCache<string, Block> | undefined;
  /** Loads in flight by block and revision: concurrent readers of a cold block share one query. */
  readonly #loading = new Map<string, Promise<Map<number, Block>>>();

  constructor(
    maxBytes: number,
    private readonly load: BlockLoader,
    /** Told how each block a page needed was found (metrics). */
    readonly observe: (read: CacheRead) => void = () => undefined,
  ) {
    this.#blocks =
      maxBytes > 0
        ? new LRUCache<string, Block>({ maxSize: maxBytes, sizeCalculation: sizeOf })
        : undefined;
  }

  get size(): number {
    return this.#blocks?.size ?? 0;
  }

  /** Bytes held, as the size bound counts them. */
  get bytes(): number {
    return this.#blocks?.calculatedSize ?? 0;
  }

  /**
   * A seq-cursor page as `viewerId`'s JSON body (`{"messages":[…],"has_more":…}`, as the route
   * sends it), or undefined when the cache is off or the page is not made of full blocks (it
   * reaches the room's newest block, still filling) or would need too many loads.
   */
  async page(
    room: HistoryVersion,
    cursor: SeqCursor,
    limit: number,
    viewerId: string,
  ): Promise<Buffer | undefined> {
    if (!this.#blocks) return undefined;
    const walk = new Walk(this, room);
    // Collect limit + 1 messages next to the cursor, oldest first: the extra one says there is more.
    const spans: Span[] = [];
    let need = limit + 1;
    if (cursor.kind === 'before') {
      const hi = Math.min(cursor.seq - 1, room.last_seq);
      if (hi < 0 || Math.floor(hi / BLOCK_SEQS) >= walk.full) return undefined;
      for (let b = Math.floor(hi / BLOCK_SEQS); b >= 0 && need > 0; b--) {
        const block = await walk.block(b, -1);
        if (!block) return undefined;
        let to = block.seqs.length - 1;
        while (to >= 0 && block.seqs[to]! > hi) to--;
        if (to < 0) continue;
        const from = Math.max(0, to - need + 1);
        spans.unshift({ block, from, to });
        need -= to - from + 1;
      }
      if (need === 0) spans[0]!.from += 1; // drop the extra (oldest) one
      return render(spans, need === 0, viewerId);
    }
    const lo = cursor.seq + 1;
    for (let b = Math.floor(lo / BLOCK_SEQS); need > 0; b++) {
      if (b >= walk.full) return undefined; // reaches the newest messages: not ours to serve
      const block = await walk.block(b, 1);
      if (!block) return undefined;
      let from = 0;
      while (from < block.seqs.length && block.seqs[from]! < lo) from++;
      if (from === block.seqs.length) continue;
      const to = Math.min(block.seqs.length - 1, from + need - 1);
      spans.push({ block, from, to });
      need -= to - from + 1;
    }
    spans.at(-1)!.to -= 1; // drop the extra (newest) one
    return render(spans, true, viewerId);
  }

  /** A valid cached block, or a load (shared with concurrent readers) that will hold it. */
  cached(roomId: string, rev: string, b: number): Block | Promise<Map<number, Block>> | undefined {
    const hit = this.#blocks?.get(blockKey(roomId, b));
    if (hit?.rev === rev) return hit;
    return this.#loading.get(`${blockKey(roomId, b)}@${rev}`);
  }

  /** Load blocks `from..to` (all full) in one query, cache them, and hand them back. */
  loadBlocks(roomId: string, rev: string, from: number, to: number): Promise<Map<number, Block>> {
    const keys = range(from, to).map((b) => `${blockKey(roomId, b)}@${rev}`);
    const loading = this.load(roomId, from * BLOCK_SEQS, (to + 1) * BLOCK_SEQS - 1)
      .then((cells) => {
        const byBlock = new Map<number, Block>();
        for (const b of range(from, to)) {
          const first = b * BLOCK_SEQS;
          const block = toBlock(
            rev,
            cells.filter((c) => c.seq >= first && c.seq < first + BLOCK_SEQS),
          );
          this.#blocks?.set(blockKey(roomId, b), block);
          byBlock.set(b, block);
        }
        return byBlock;
      })
      .finally(() => {
        for (const key of keys) this.#loading.delete(key);
      });
    for (const key of keys) this.#loading.set(key, loading);
    return loading;
  }
}

/** One page's walk over a room's blocks: its tag, where full blocks end, its load budget. */
class Walk {
  readonly rev: string;
  /** Blocks 0 .. full - 1 hold only seqs ≤ last_seq: complete. */
  readonly full: number;
  #loads = MAX_LOADS;

  constructor(
    private readonly cache: HistoryBlocks,
    private readonly room: HistoryVersion,
  ) {
    this.rev = `${room.history_rev}.${room.names_rev}`;
    this.full = Math.floor((room.last_seq + 1) / BLOCK_SEQS);
  }

  /** Block `b`; a cold block is loaded with its next one in the walk's direction. */
  async block(b: number, direction: 1 | -1): Promise<Block | undefined> {
    const found = this.cache.cached(this.room.id, this.rev, b);
    if (found instanceof Promise) return (await found).get(b);
    if (found) {
      this.cache.observe('hit');
      return found;
    }
    if (this.#loads-- <= 0) return undefined;
    this.cache.observe('load');
    const next = b + direction;
    const withNext =
      next >= 0 && next < this.full && !this.cache.cached(this.room.id, this.rev, next);
    const [from, to] = withNext ? [Math.min(b, next), Math.max(b, next)] : [b, b];
    return (await this.cache.loadBlocks(this.room.id, this.rev, from, to)).get(b);
  }
}

function toBlock(rev: string, cells: RenderedCell[]): Block {
  const texts: string[] = [];
  const offsets = new Uint32Array(cells.length + 1);
  const reacting = new Map<number, ReactingCell>();
  let at = 0;
  cells.forEach((c, i) => {
    offsets[i] = at;
    if ('json' in c) {
      texts.push(c.json, ',');
      at += Buffer.byteLength(c.json) + 1;
    } else {
      reacting.set(i, c);
    }
  });
  offsets[cells.length] = at;
  return {
    rev,
    seqs: cells.map((c) => c.seq),
    json: Buffer.from(texts.join('')),
    offsets,
    reacting,
  };
}

/** The page body: each run of plain messages is one slice of its block's buffer. */
function render(spans: Span[], hasMore: boolean, viewerId: string): Buffer {
  const parts: Buffer[] = [OPEN];
  const add = (part: Buffer) => parts.push(...(parts.length > 1 ? [COMMA, part] : [part]));
  for (const { block, from, to } of spans) {
    let run = from;
    for (let i = from; i <= to + 1; i++) {
      const reacting = i <= to ? block.reacting.get(i) : undefined;
      if (i <= to && !reacting) continue;
      if (i > run) add(block.json.subarray(block.offsets[run], block.offsets[i]! - 1));
      if (reacting) add(Buffer.from(renderCell(reacting, viewerId)));
      run = i + 1;
    }
  }
  parts.push(hasMore ? CLOSE.more : CLOSE.end);
  return Buffer.concat(parts);
}

const blockKey = (roomId: string, b: number) => `${roomId}:${b}`;

const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Bytes a block holds, roughly; reactions count 100 bytes a reacting user. */
function sizeOf(block: Block): number {
  let bytes = 256 + block.json.length + 12 * block.seqs.length;
  for (const c of block.reacting.values())
    bytes +=
      128 +
      2 * (c.head.length + c.tail.length) +
      100 * c.reactions.reduce((n, r) => n + r.user_ids.length, 1);
  return bytes;
}
