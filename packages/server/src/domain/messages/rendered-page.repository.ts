/**
 * A history page as wire JSON (API.md `Message`) for one viewer, one JSON text per message,
 * without parsing rows into objects and encoding them again: PostgreSQL returns each column as
 * the text the wire needs — content as its stored JSON, times as epoch milliseconds, reactions
 * (only for messages that have any: `reaction_count`, migration 0009) already grouped — and
 * `renderAround`/`renderCell` splice them into the JSON (the reader's `me` from the user ids). On random older pages of a 100k-message room,
 * parsing and re-encoding 50 rows was ~40% of a history request's server CPU, and rendering the
 * whole JSON inside PostgreSQL (tried first) moved that cost onto the database, which all nodes
 * share (docs/PERFORMANCE.md).
 *
 * Same page as `listPage` + `toWire`, field for field (rendered-page.test.ts compares the two):
 * tombstones have null content, reactions are grouped per emoji in order of the first reaction,
 * with the viewer's `me`. `content` is the stored JSONB's text (JSONB's key order and spacing).
 */
import type { Queryable } from '../../db/pool.js';
import type { StoredReaction } from './stored-message.js';

export interface RenderedMessage {
  seq: number;
  json: string;
}

export type SeqCursor = { kind: 'before' | 'after'; seq: number };

interface LeanRow {
  id: string;
  room_id: string;
  seq: number;
  author_id: string;
  username: string;
  display_name: string;
  /** JSON text; null for a tombstone. */
  content: string | null;
  reply_to: string | null;
  reactions: string | null;
  created_ms: number;
  edited_ms: number | null;
  deleted: boolean;
}

/** Epoch milliseconds, truncated like `Date#toISOString` truncates microseconds. */
const epochMs = (column: string) => `floor(extract(epoch from ${column}) * 1000)::int8`;

/**
 * The lean columns of the messages in `source` (a relation `p` shaped like `messages`), oldest
 * first; `reactions` is the JSON of `[{emoji, user_ids}]`, only for messages that have any.
 */
const LEAN_SELECT = (source: string, where = 'true') => /* sql */ `
  SELECT p.id, p.room_id, p.seq, p.author_id, u.username, u.display_name,
         CASE WHEN p.deleted_at IS NULL THEN p.content::text END AS content,
         p.reply_to,
         CASE WHEN p.reaction_count > 0 THEN (
           SELECT json_agg(json_build_object('emoji', g.emoji, 'user_ids', g.user_ids)
                           ORDER BY g.first_at, g.emoji)::text
           FROM (SELECT emoji, array_agg(user_id ORDER BY created_at, user_id) AS user_ids,
                        min(created_at) AS first_at
                 FROM reactions WHERE message_id = p.id GROUP BY emoji) g
         ) END AS reactions,
         ${epochMs('p.created_at')} AS created_ms,
         ${epochMs('p.edited_at')} AS edited_ms,
         p.deleted_at IS NOT NULL AS deleted
  FROM ${source} p JOIN users u ON u.id = p.author_id
  WHERE ${where}
  ORDER BY p.seq`;

/** Up to `limit` messages next to the cursor, oldest first (as `listPage`), for `viewerId`. */
export async function listPageRendered(
  db: Queryable,
  roomId: string,
  cursor: SeqCursor,
  limit: number,
  viewerId: string,
): Promise<RenderedMessage[]> {
  const [where, order] = cursor.kind === 'before' ? ['seq < $3', 'DESC'] : ['seq > $3', 'ASC'];
  const { rows } = await db.query<LeanRow>({
    name: `parley_page_lean_${cursor.kind}`,
    text: LEAN_SELECT(
      `(SELECT * FROM messages WHERE room_id = $1 AND ${where} ORDER BY seq ${order} LIMIT $2)`,
    ),
    values: [roomId, limit, cursor.seq],
  });
  return rows.map((r) => ({ seq: r.seq, json: renderCell(toCell(r), viewerId) }));
}

/**
 * Every message with `from ≤ seq ≤ to`, oldest first, as cells of an older-history block
 * (history-blocks.ts): whole JSON for a message without reactions, else the JSON around its
 * reactions, which carry each reader's `me` and are rendered per read (`renderCell`).
 */
export async function listRangeRendered(
  db: Queryable,
  roomId: string,
  from: number,
  to: number,
): Promise<RenderedCell[]> {
  const { rows } = await db.query<LeanRow>({
    name: 'parley_range_lean',
    text: LEAN_SELECT('messages', 'p.room_id = $1 AND p.seq BETWEEN $2 AND $3'),
    values: [roomId, from, to],
  });
  return rows.map(toCell);
}

function toCell(r: LeanRow): RenderedCell {
  const [head, tail] = renderAround(r);
  if (r.reactions === null) return { seq: r.seq, json: `${head}[]${tail}` };
  return { seq: r.seq, head, tail, reactions: JSON.parse(r.reactions) as StoredReaction[] };
}

/** One message of a block, ready to send: whole, or around reactions that differ per reader. */
export type RenderedCell =
  | { seq: number; json: string }
  | { seq: number; head: string; reactions: StoredReaction[]; tail: string };

/** A cell's JSON for one reader (`me` is whether they reacted, as `toWire` renders it). */
export function renderCell(c: RenderedCell, viewerId: string): string {
  if ('json' in c) return c.json;
  const reactions = c.reactions.map(
    (r) =>
      `{"emoji":${JSON.stringify(r.emoji)},"count":${r.user_ids.length},"me":${r.user_ids.includes(viewerId)}}`,
  );
  return `${c.head}[${reactions.join(',')}]${c.tail}`;
}

/**
 * The wire JSON of one row up to its reactions and after them. Ids are uuids (nothing to
 * escape), content is JSON already; only the two names need escaping.
 */
function renderAround(r: LeanRow): [string, string] {
  const author = `{"id":"${r.author_id}","username":${JSON.stringify(r.username)},"display_name":${JSON.stringify(r.display_name)}}`;
  const replyTo = r.reply_to === null ? 'null' : `"${r.reply_to}"`;
  const edited = r.edited_ms === null ? 'null' : `"${new Date(r.edited_ms).toISOString()}"`;
  return [
    `{"id":"${r.id}","room_id":"${r.room_id}","seq":${r.seq},"author":${author},` +
      `"content":${r.content ?? 'null'},"reply_to":${replyTo},"reactions":`,
    `,"created_at":"${new Date(r.created_ms).toISOString()}","edited_at":${edited},` +
      `"deleted":${r.deleted}}`,
  ];
}
