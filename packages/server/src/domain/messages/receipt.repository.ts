/** SQL for read positions (`room_members.last_read_seq`). */
import type { Queryable } from '../../db/pool.js';

/**
 * Moves the position forward only, and never past the room's last event: a client cannot mark
 * as read what does not exist yet. Returns the resulting position (undefined: not a member).
 */
export async function advanceReadPosition(
  db: Queryable,
  roomId: string,
  userId: string,
  seq: number,
): Promise<number | undefined> {
  const { rows } = await db.query<{ last_read_seq: number }>(
    `UPDATE room_members m
     SET last_read_seq = greatest(m.last_read_seq, least($3::bigint, r.last_seq))
     FROM rooms r
     WHERE r.id = m.room_id AND m.room_id = $1 AND m.user_id = $2
     RETURNING m.last_read_seq`,
    [roomId, userId, seq],
  );
  return rows[0]?.last_read_seq;
}
