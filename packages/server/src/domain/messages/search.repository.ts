/**
 * Full-text search over `messages.search` (a generated tsvector with the language-agnostic
 * 'simple' configuration: lowercased words, no stemming, any script that separates words with
 * spaces). To make up for the missing stemming every query word matches as a prefix
 * ("deploy" finds "deployment"). Ranked by ts_rank, newest first among equals.
 */
import type { Queryable } from '../../db/pool.js';

export interface SearchHit {
  id: string;
  /** The text around the matches, with U+0002 / U+0003 around each match (escaped later). */
  headline: string;
}

export const MARK_START = '\u0002';
export const MARK_END = '\u0003';

/**
 * `scope`: one room (already authorised by the caller) or every room `userId` is a member of.
 * plainto_tsquery parses the words the way the index did; the regexp turns each lexeme into a
 * prefix match (lexemes never contain spaces, and their closing quote is followed by a space or
 * the end).
 */
export async function searchMessages(
  db: Queryable,
  input: { q: string; userId: string; roomId: string | null; limit: number },
): Promise<SearchHit[]> {
  const { rows } = await db.query<SearchHit>(
    `WITH q AS (
       SELECT regexp_replace(plainto_tsquery('simple', $1)::text, '''( |$)', ''':*\\1', 'g')::tsquery
              AS query
     )
     SELECT m.id,
            ts_headline('simple', m.content ->> 'text', q.query,
                        'StartSel=${MARK_START}, StopSel=${MARK_END}, MaxWords=30, MinWords=12, ' ||
                        'MaxFragments=2, FragmentDelimiter=" … "') AS headline
     FROM messages m, q
     WHERE m.search @@ q.query AND m.deleted_at IS NULL
       AND CASE WHEN $3::uuid IS NULL
                THEN m.room_id IN (SELECT room_id FROM room_members WHERE user_id = $2)
                ELSE m.room_id = $3 END
     ORDER BY ts_rank(m.search, q.query) DESC, m.created_at DESC, m.id
     LIMIT $4`,
    [input.q, input.userId, input.roomId, input.limit],
  );
  return rows;
}
