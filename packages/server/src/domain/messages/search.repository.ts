/**
 * Full-text search over `messages.search`: a tsvector with the language-agnostic 'simple'
 * configuration (no stemming; any script that separates words with spaces) of the text the
 * application case-folded (see content.ts `searchText`). The query is folded the same way, and
 * every word matches as a prefix ("deploy" finds "deployment"), which makes up for stemming.
 * Ranked by ts_rank, newest first among equals.
 */
import type { Queryable } from '../../db/pool.js';

/**
 * `roomId`: one room (already authorised by the caller), or null for every room `userId` is a
 * member of. plainto_tsquery parses the words the way the index did; the regexp turns each lexeme
 * into a prefix match (lexemes never contain spaces, and their closing quote is followed by a
 * space or the end).
 */
export async function searchMessageIds(
  db: Queryable,
  input: { foldedQuery: string; userId: string; roomId: string | null; limit: number },
): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `WITH q AS (
       SELECT regexp_replace(plainto_tsquery('simple', $1)::text, '''( |$)', ''':*\\1', 'g')::tsquery
              AS query
     )
     SELECT m.id
     FROM messages m, q
     WHERE m.search @@ q.query
       AND CASE WHEN $3::uuid IS NULL
                THEN m.room_id IN (SELECT room_id FROM room_members WHERE user_id = $2)
                ELSE m.room_id = $3 END
     ORDER BY ts_rank(m.search, q.query) DESC, m.created_at DESC, m.id
     LIMIT $4`,
    [input.foldedQuery, input.userId, input.roomId, input.limit],
  );
  return rows.map((r) => r.id);
}
