/** SQL for `reactions`. */
import type { Queryable } from '../../db/pool.js';

/** True when the reaction is new (adding it twice changes nothing). */
export async function insertReaction(
  tx: Queryable,
  messageId: string,
  userId: string,
  emoji: string,
): Promise<boolean> {
  const { rowCount } = await tx.query(
    `INSERT INTO reactions (message_id, user_id, emoji) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
    [messageId, userId, emoji],
  );
  return rowCount === 1;
}

/** True when there was such a reaction. */
export async function deleteReaction(
  tx: Queryable,
  messageId: string,
  userId: string,
  emoji: string,
): Promise<boolean> {
  const { rowCount } = await tx.query(
    'DELETE FROM reactions WHERE message_id = $1 AND user_id = $2 AND emoji = $3',
    [messageId, userId, emoji],
  );
  return rowCount === 1;
}
