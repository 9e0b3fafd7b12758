/**
 * The one room-level authorisation check every room and message operation starts with.
 *
 * Visibility: a room is visible to its members, and public channels to every user. Private
 * channels and dms are invisible to everyone else — admins included — and answer `not_found`, so
 * their existence never leaks. Beyond visibility:
 * - `read`     history, members, the room itself;
 * - `member`   the caller is a member (read receipts);
 * - `post`     a member of a live (not archived) room: send, edit, react;
 * - `moderate` room owner or moderator, or an admin: delete others' messages, invite, kick;
 * - `manage`   room owner or an admin: rename, archive, grant roles.
 * Writes to an archived room are `room_archived` (409) unless `allowArchived`.
 */
import pg from 'pg';
import { BatchedLookup } from '../../db/batch-queue.js';
import { AppError, forbidden, notFound } from '../../errors.js';
import type { Pool, Queryable } from '../../db/pool.js';
import { isAdmin, type Actor } from '../actor.js';
import { isUuid } from '../ids.js';
import { findRoomView, findRoomViews, type RoomViewRow } from './room.repository.js';
import type { RoomViewCache } from './room-view-cache.js';

export type RoomRight = 'read' | 'member' | 'post' | 'moderate' | 'manage';

export const isVisible = (room: RoomViewRow): boolean =>
  room.member_role !== null || (room.kind === 'channel' && room.visibility === 'public');

export function hasRight(actor: Actor, room: RoomViewRow, right: RoomRight): boolean {
  const role = room.member_role;
  switch (right) {
    case 'read':
      return isVisible(room);
    case 'member':
    case 'post':
      return role !== null;
    case 'moderate':
      return role === 'owner' || role === 'moderator' || isAdmin(actor);
    case 'manage':
      return role === 'owner' || isAdmin(actor);
  }
}

export async function requireRoom(
  db: Queryable,
  actor: Actor,
  roomId: string,
  right: RoomRight,
  options: { allowArchived?: boolean } = {},
): Promise<RoomViewRow> {
  const room = isUuid(roomId) ? await lookupRoomView(db, roomId, actor.id) : undefined;
  if (!room || !isVisible(room)) throw notFound('room');
  if (!hasRight(actor, room, right)) {
    throw right === 'member' || right === 'post'
      ? forbidden('join the room first')
      : forbidden(`you need to be the room's ${right === 'manage' ? 'owner' : 'moderator'}`);
  }
  const writes = right === 'post' || right === 'moderate' || right === 'manage';
  if (writes && room.archived_at && !options.allowArchived) throw roomArchived();
  return room;
}

/**
 * On the pool, concurrent checks share one statement (db/batch-queue.ts; each still sees every
 * commit made before it was asked), and a node that is the database's only writer answers them
 * from memory (room-view-cache.ts, same guarantee). Inside a transaction, the transaction's own
 * view is needed.
 */
function lookupRoomView(
  db: Queryable,
  roomId: string,
  userId: string,
): Promise<RoomViewRow | undefined> {
  if (!(db instanceof pg.Pool)) return findRoomView(db, roomId, userId);
  const views = roomViewsOf(db);
  const load = () => views.lookup.load({ roomId, userId });
  return views.cache ? views.cache.get(roomId, userId, load) : load();
}

/** Room views of one pool's database: how they are looked up, and kept when they may be. */
interface RoomViews {
  lookup: BatchedLookup<ViewKey, RoomViewRow>;
  cache?: RoomViewCache;
}

type ViewKey = { roomId: string; userId: string };
// Lower case: PostgreSQL answers in lower case, and a path may name a uuid in upper case.
const viewKey = (k: ViewKey) => `${k.roomId}:${k.userId}`.toLowerCase();
const roomViews = new WeakMap<Pool, RoomViews>();

function roomViewsOf(pool: Pool): RoomViews {
  let views = roomViews.get(pool);
  if (!views) {
    views = { lookup: new BatchedLookup((pairs) => findRoomViews(pool, pairs), viewKey) };
    roomViews.set(pool, views);
  }
  return views;
}

/**
 * Checks on `pool` answer from `cache` from now on. Only for a node that is the database's only
 * writer and forgets what its writes change (see room-view-cache.ts; app.ts wires both).
 */
export function keepRoomViews(pool: Pool, cache: RoomViewCache): void {
  roomViewsOf(pool).cache = cache;
}

export const roomArchived = (): AppError =>
  new AppError('room_archived', 'the room is archived; it is read-only');
