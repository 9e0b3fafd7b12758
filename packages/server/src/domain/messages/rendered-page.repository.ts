/**
 * A history page rendered by PostgreSQL as the wire JSON (API.md `Message`) for one viewer: one
 * compact JSON text per message, so the server neither parses 50 rows into objects nor encodes
 * them again — on random older pages of a 100k-message room that parsing and re-encoding was
 * ~40% of a history request's server CPU (docs/PERFORMANCE.md). The same page as `listPage` +
 * `toWire`, field for field (message-render.test.ts compares the two): tombstones have null
 * content, reactions are grouped per emoji in order of the first reaction with the viewer's `me`.
 * `content` is the stored JSONB's text (key order and spacing are JSONB's; same value).
 */
import type { Queryable } from '../../db/pool.js';
import { isoText } from './message.repository.js';

export interface RenderedMessage {
  seq: number;
  json: string;
}

export type SeqCursor = { kind: 'before' | 'after'; seq: number };

/** Up to `limit` messages next to the cursor, oldest first (as `listPage`). */
export async function listPageRendered(
  db: Queryable,
  roomId: string,
  cursor: SeqCursor,
  limit: number,
  viewerId: string,
): Promise<RenderedMessage[]> {
  const [where, order] = cursor.kind === 'before' ? ['seq < $3', 'DESC'] : ['seq > $3', 'ASC'];
  const { rows } = await db.query<RenderedMessage>({
    name: `parley_page_rendered_${cursor.kind}`,
    text: /* sql */ `
      SELECT p.seq, row_to_json(w)::text AS json
      FROM (SELECT * FROM messages WHERE room_id = $1 AND ${where} ORDER BY seq ${order} LIMIT $2) p
      JOIN users u ON u.id = p.author_id
      CROSS JOIN LATERAL (
        SELECT p.id, p.room_id, p.seq,
               (SELECT row_to_json(a) FROM (SELECT u.id, u.username, u.display_name) a) AS author,
               CASE WHEN p.deleted_at IS NULL THEN p.content END AS content,
               p.reply_to,
               coalesce((
                 SELECT json_agg((SELECT row_to_json(x) FROM (SELECT g.emoji, g.count, g.me) x)
                                 ORDER BY g.first_at, g.emoji)
                 FROM (SELECT emoji, count(*)::int AS count, bool_or(user_id = $4::uuid) AS me,
                              min(created_at) AS first_at
                       FROM reactions WHERE message_id = p.id GROUP BY emoji) g
               ), '[]'::json) AS reactions,
               ${isoText('p.created_at')} AS created_at,
               ${isoText('p.edited_at')} AS edited_at,
               p.deleted_at IS NOT NULL AS deleted
      ) w
      ORDER BY p.seq`,
    values: [roomId, limit, cursor.seq, viewerId],
  });
  return rows;
}
