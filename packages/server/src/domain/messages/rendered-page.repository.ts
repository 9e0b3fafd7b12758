/**
 * A history page as wire JSON (API.md `Message`) for one viewer, one JSON text per message,
 * without parsing rows into objects and encoding them again: PostgreSQL returns each column as
 * the text the wire needs — content as its stored JSON, times as epoch milliseconds, reactions
 * (only for messages that have any: `reaction_count`, migration 0009) already aggregated — and
 * `renderMessage` splices them into the JSON. On random older pages of a 100k-message room,
 * parsing and re-encoding 50 rows was ~40% of a history request's server CPU, and rendering the
 * whole JSON inside PostgreSQL (tried first) moved that cost onto the database, which all nodes
 * share (docs/PERFORMANCE.md).
 *
 * Same page as `listPage` + `toWire`, field for field (rendered-page.test.ts compares the two):
 * tombstones have null content, reactions are grouped per emoji in order of the first reaction,
 * with the viewer's `me`. `content` is the stored JSONB's text (JSONB's key order and spacing).
 */
import type { Queryable } from '../../db/pool.js';

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

/** Up to `limit` messages next to the cursor, oldest first (as `listPage`). */
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
    text: /* sql */ `
      SELECT p.id, p.room_id, p.seq, p.author_id, u.username, u.display_name,
             CASE WHEN p.deleted_at IS NULL THEN p.content::text END AS content,
             p.reply_to,
             CASE WHEN p.reaction_count > 0 THEN (
               SELECT json_agg((SELECT row_to_json(x) FROM (SELECT g.emoji, g.count, g.me) x)
                               ORDER BY g.first_at, g.emoji)::text
               FROM (SELECT emoji, count(*)::int AS count, bool_or(user_id = $4::uuid) AS me,
                            min(created_at) AS first_at
                     FROM reactions WHERE message_id = p.id GROUP BY emoji) g
             ) END AS reactions,
             ${epochMs('p.created_at')} AS created_ms,
             ${epochMs('p.edited_at')} AS edited_ms,
             p.deleted_at IS NOT NULL AS deleted
      FROM (SELECT id, room_id, seq, author_id, content, reply_to, reaction_count, created_at,
                   edited_at, deleted_at
            FROM messages WHERE room_id = $1 AND ${where} ORDER BY seq ${order} LIMIT $2) p
      JOIN users u ON u.id = p.author_id
      ORDER BY p.seq`,
    values: [roomId, limit, cursor.seq, viewerId],
  });
  return rows.map((r) => ({ seq: r.seq, json: renderMessage(r) }));
}

/**
 * The wire JSON of one row, in `Message`'s field order. Ids are uuids (nothing to escape), content
 * and reactions are JSON already; only the two names need escaping.
 */
function renderMessage(r: LeanRow): string {
  const author = `{"id":"${r.author_id}","username":${JSON.stringify(r.username)},"display_name":${JSON.stringify(r.display_name)}}`;
  const replyTo = r.reply_to === null ? 'null' : `"${r.reply_to}"`;
  const edited = r.edited_ms === null ? 'null' : `"${new Date(r.edited_ms).toISOString()}"`;
  return (
    `{"id":"${r.id}","room_id":"${r.room_id}","seq":${r.seq},"author":${author},` +
    `"content":${r.content ?? 'null'},"reply_to":${replyTo},"reactions":${r.reactions ?? '[]'},` +
    `"created_at":"${new Date(r.created_ms).toISOString()}","edited_at":${edited},` +
    `"deleted":${r.deleted}}`
  );
}
