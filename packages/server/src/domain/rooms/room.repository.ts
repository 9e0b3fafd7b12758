/** SQL for `rooms` and `room_members`. Only this module (and its siblings) touch those tables. */
import type { MemberRole, User } from '@parley/protocol';
import type { Queryable } from '../../db/pool.js';
import { AppError } from '../../errors.js';
import { findUsersByIds, toUser, type UserRow } from '../users/user.repository.js';

export interface RoomRow {
  id: string;
  kind: 'channel' | 'dm';
  name: string;
  topic: string;
  visibility: 'public' | 'private';
  created_at: Date;
  archived_at: Date | null;
  last_seq: number;
  member_count: number;
  /** Changes to existing messages, and renames anywhere (migration 0011): history cache tags. */
  history_rev: number;
  names_rev: number;
}

/** A room as one user sees it: their membership (if any) and read position ride along. */
export interface RoomViewRow extends RoomRow {
  member_role: MemberRole | null;
  last_read_seq: number | null;
}

/** A joined room with the caller's unread count and the id of the newest live message. */
export interface JoinedRoomRow extends RoomViewRow {
  unread_count: number;
  last_message_id: string | null;
}

const ROOM_COLUMNS = `r.id, r.kind, r.name, r.topic, r.visibility, r.created_at, r.archived_at,
  r.last_seq, (SELECT count(*)::int FROM room_members c WHERE c.room_id = r.id) AS member_count,
  r.history_rev, (SELECT rev FROM history_names) AS names_rev`;

const PG_UNIQUE_VIOLATION = '23505';
const isUniqueViolation = (err: unknown, constraint: string): boolean =>
  (err as { code?: string; constraint?: string }).code === PG_UNIQUE_VIOLATION &&
  (err as { constraint?: string }).constraint === constraint;

/** The room and the user's membership in one lookup: what every access check needs. */
export async function findRoomView(
  db: Queryable,
  roomId: string,
  userId: string,
): Promise<RoomViewRow | undefined> {
  const { rows } = await db.query<RoomViewRow>(
    `SELECT ${ROOM_COLUMNS}, m.role AS member_role, m.last_read_seq
     FROM rooms r LEFT JOIN room_members m ON m.room_id = r.id AND m.user_id = $2
     WHERE r.id = $1`,
    [roomId, userId],
  );
  return rows[0];
}

/**
 * `findRoomView` for many (room, user) pairs in one statement, keyed `room_id:user_id`; a pair
 * whose room does not exist is absent. See rooms/room-access.ts for the coalescing.
 */
export async function findRoomViews(
  db: Queryable,
  pairs: { roomId: string; userId: string }[],
): Promise<Map<string, RoomViewRow>> {
  const { rows } = await db.query<RoomViewRow & { viewer_id: string }>({
    name: 'parley_room_views',
    // LATERAL probes: index lookups per pair whatever the statistics of growing tables said
    // when this prepared statement was planned.
    text: `SELECT v.*, p.user_id AS viewer_id
           FROM unnest($1::uuid[], $2::uuid[]) AS p(room_id, user_id)
           JOIN LATERAL (
             SELECT ${ROOM_COLUMNS}, m.role AS member_role, m.last_read_seq
             FROM rooms r LEFT JOIN room_members m ON m.room_id = r.id AND m.user_id = p.user_id
             WHERE r.id = p.room_id LIMIT 1
           ) v ON true`,
    values: [pairs.map((p) => p.roomId), pairs.map((p) => p.userId)],
  });
  const views = new Map<string, RoomViewRow>();
  for (const { viewer_id, ...view } of rows) views.set(`${view.id}:${viewer_id}`, view);
  return views;
}

/** Takes the room's row lock: every write to a room serialises here, before anything else. */
export async function lockRoom(
  tx: Queryable,
  roomId: string,
): Promise<{ last_seq: number; archived_at: Date | null } | undefined> {
  const { rows } = await tx.query<{ last_seq: number; archived_at: Date | null }>(
    'SELECT last_seq, archived_at FROM rooms WHERE id = $1 FOR UPDATE',
    [roomId],
  );
  return rows[0];
}

export async function findDefaultRoomId(db: Queryable): Promise<string | undefined> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT id FROM rooms WHERE kind = 'channel' AND lower(name) = 'general' AND archived_at IS NULL`,
  );
  return rows[0]?.id;
}

export async function insertChannel(
  tx: Queryable,
  input: { name: string; topic: string; visibility: 'public' | 'private'; createdBy: string },
): Promise<string> {
  try {
    const { rows } = await tx.query<{ id: string }>(
      `INSERT INTO rooms (kind, name, topic, visibility, created_by)
       VALUES ('channel', $1, $2, $3, $4) RETURNING id`,
      [input.name, input.topic, input.visibility, input.createdBy],
    );
    return rows[0]!.id;
  } catch (err) {
    if (isUniqueViolation(err, 'rooms_channel_name_idx')) throw roomNameTaken();
    throw err;
  }
}

/** The dm of exactly this set of users: created once, found ever after (the unique dm_key decides). */
export async function upsertDm(
  tx: Queryable,
  input: { dmKey: string; name: string; createdBy: string },
): Promise<{ id: string; created: boolean }> {
  const inserted = await tx.query<{ id: string }>(
    `INSERT INTO rooms (kind, name, visibility, dm_key, created_by)
     VALUES ('dm', $1, 'private', $2, $3) ON CONFLICT (dm_key) DO NOTHING RETURNING id`,
    [input.name, input.dmKey, input.createdBy],
  );
  if (inserted.rows[0]) return { id: inserted.rows[0].id, created: true };
  const { rows } = await tx.query<{ id: string }>('SELECT id FROM rooms WHERE dm_key = $1', [
    input.dmKey,
  ]);
  return { id: rows[0]!.id, created: false };
}

export async function updateRoom(
  tx: Queryable,
  roomId: string,
  patch: { name?: string; topic?: string },
): Promise<void> {
  try {
    await tx.query(
      `UPDATE rooms SET name = coalesce($2, name), topic = coalesce($3, topic) WHERE id = $1`,
      [roomId, patch.name ?? null, patch.topic ?? null],
    );
  } catch (err) {
    if (isUniqueViolation(err, 'rooms_channel_name_idx')) throw roomNameTaken();
    throw err;
  }
}

export async function archiveRoom(tx: Queryable, roomId: string): Promise<void> {
  await tx.query('UPDATE rooms SET archived_at = now() WHERE id = $1 AND archived_at IS NULL', [
    roomId,
  ]);
}

/** Adds a member; false when already one (nothing changes then). */
export async function insertMember(
  tx: Queryable,
  roomId: string,
  userId: string,
  role: MemberRole,
): Promise<boolean> {
  // A new member has read what came before they joined: joining a busy room is not thousands of
  // unread messages.
  const { rowCount } = await tx.query(
    `INSERT INTO room_members (room_id, user_id, role, last_read_seq)
     SELECT $1, $2, $3, last_seq FROM rooms WHERE id = $1
     ON CONFLICT DO NOTHING`,
    [roomId, userId, role],
  );
  return rowCount === 1;
}

export async function setMemberRole(
  tx: Queryable,
  roomId: string,
  userId: string,
  role: MemberRole,
): Promise<void> {
  await tx.query('UPDATE room_members SET role = $3 WHERE room_id = $1 AND user_id = $2', [
    roomId,
    userId,
    role,
  ]);
}

/** Removes a member; returns the role they had, or undefined when they were not one. */
export async function deleteMember(
  tx: Queryable,
  roomId: string,
  userId: string,
): Promise<MemberRole | undefined> {
  const { rows } = await tx.query<{ role: MemberRole }>(
    'DELETE FROM room_members WHERE room_id = $1 AND user_id = $2 RETURNING role',
    [roomId, userId],
  );
  return rows[0]?.role;
}

export interface MemberRow {
  user: User;
  role: MemberRole;
  joined_at: Date;
}

export async function listMembers(
  db: Queryable,
  roomId: string,
  userId?: string,
): Promise<MemberRow[]> {
  const { rows } = await db.query<UserRow & { member_role: MemberRole; joined_at: Date }>(
    `SELECT u.id, u.username, u.display_name, u.password_hash, u.role, u.created_at,
            m.role AS member_role, m.joined_at
     FROM room_members m JOIN users u ON u.id = m.user_id
     WHERE m.room_id = $1 AND ($2::uuid IS NULL OR m.user_id = $2)
     ORDER BY m.joined_at, u.username`,
    [roomId, userId ?? null],
  );
  return rows.map((r) => ({ user: toUser(r), role: r.member_role, joined_at: r.joined_at }));
}

/** Every room the user is in, with unread counts (others' live messages after their position). */
export async function listJoinedRooms(db: Queryable, userId: string): Promise<JoinedRoomRow[]> {
  const { rows } = await db.query<JoinedRoomRow>(
    `SELECT ${ROOM_COLUMNS}, m.role AS member_role, m.last_read_seq,
       (SELECT count(*)::int FROM messages x
        WHERE x.room_id = r.id AND x.seq > m.last_read_seq AND x.author_id <> $1
          AND x.deleted_at IS NULL) AS unread_count,
       (SELECT x.id FROM messages x WHERE x.room_id = r.id AND x.deleted_at IS NULL
        ORDER BY x.seq DESC LIMIT 1) AS last_message_id
     FROM room_members m JOIN rooms r ON r.id = m.room_id
     WHERE m.user_id = $1
     ORDER BY r.archived_at IS NOT NULL, r.kind, lower(r.name), r.id`,
    [userId],
  );
  return rows;
}

/** Public channels anyone may see and join (archived ones are gone from this list). */
export async function listPublicRooms(db: Queryable, userId: string): Promise<RoomViewRow[]> {
  const { rows } = await db.query<RoomViewRow>(
    `SELECT ${ROOM_COLUMNS}, m.role AS member_role, m.last_read_seq
     FROM rooms r LEFT JOIN room_members m ON m.room_id = r.id AND m.user_id = $1
     WHERE r.kind = 'channel' AND r.visibility = 'public' AND r.archived_at IS NULL
     ORDER BY lower(r.name), r.id`,
    [userId],
  );
  return rows;
}

export async function countUnread(
  db: Queryable,
  roomId: string,
  userId: string,
  afterSeq: number,
): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM messages
     WHERE room_id = $1 AND seq > $3 AND author_id <> $2 AND deleted_at IS NULL`,
    [roomId, userId, afterSeq],
  );
  return rows[0]?.n ?? 0;
}

export const roomNameTaken = (): AppError =>
  new AppError('room_name_taken', 'a room with that name exists', [
    { field: 'name', message: 'is taken' },
  ]);

/** Public profiles of existing users, in no particular order (unknown ids are simply absent). */
export async function findUserProfiles(db: Queryable, ids: readonly string[]): Promise<User[]> {
  return (await findUsersByIds(db, ids)).map(toUser);
}
