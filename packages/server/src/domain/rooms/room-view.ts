/** Room rows → the wire `Room` (API.md), with the caller's read state when they are a member. */
import type { Room } from '@parley/protocol';
import type { Queryable } from '../../db/pool.js';
import { findLatestLive, findMessages } from '../messages/message.repository.js';
import { toWire, type StoredMessage } from '../messages/stored-message.js';
import type { JoinedRoomRow, RoomRow, RoomViewRow } from './room.repository.js';
import { countUnread } from './room.repository.js';

export const toRoom = (row: RoomRow): Room => ({
  id: row.id,
  kind: row.kind,
  name: row.name,
  topic: row.topic,
  visibility: row.visibility,
  created_at: row.created_at.toISOString(),
  last_seq: row.last_seq,
  member_count: row.member_count,
  archived_at: row.archived_at?.toISOString() ?? null,
});

function withReadState(
  row: RoomViewRow,
  unread: number,
  last: StoredMessage | undefined,
  viewerId: string,
): Room {
  if (row.member_role === null) return toRoom(row);
  return {
    ...toRoom(row),
    role: row.member_role,
    last_read_seq: row.last_read_seq ?? 0,
    unread_count: unread,
    last_message: last ? toWire(last, viewerId) : null,
  };
}

/** One room as `viewerId` sees it (two small queries more when they are a member). */
export async function viewRoom(db: Queryable, row: RoomViewRow, viewerId: string): Promise<Room> {
  if (row.member_role === null) return toRoom(row);
  const [unread, newest] = await Promise.all([
    countUnread(db, row.id, viewerId, row.last_read_seq ?? 0),
    findLatestLive(db, row.id),
  ]);
  return withReadState(row, unread, newest, viewerId);
}

/** The joined-rooms list: last messages loaded in one batch. */
export async function viewJoinedRooms(
  db: Queryable,
  rows: JoinedRoomRow[],
  viewerId: string,
): Promise<Room[]> {
  const ids = rows.flatMap((r) => (r.last_message_id ? [r.last_message_id] : []));
  const messages = new Map((await findMessages(db, ids)).map((m) => [m.id, m]));
  return rows.map((r) =>
    withReadState(
      r,
      r.unread_count,
      r.last_message_id ? messages.get(r.last_message_id) : undefined,
      viewerId,
    ),
  );
}
