/**
 * Rooms: list, create, read, rename/re-topic, archive. Membership changes live in
 * membership.service.ts and dms in dm.service.ts. Every change appends its event in the same
 * transaction (under the room's row lock) and is published after COMMIT.
 */
import type { MemberRole, Room } from '@parley/protocol';
import { withTransaction, type PoolClient } from '../../db/pool.js';
import { forbidden } from '../../errors.js';
import type { Actor } from '../actor.js';
import { requirePermission } from '../auth/permissions.js';
import { appendEvent } from '../event-log.js';
import type { ChatDeps } from './chat-deps.js';
import { requireRoom } from './room-access.js';
import { DEFAULT_ROOM_NAME, validateRoomName, validateTopic } from './room-rules.js';
import { toRoom, viewJoinedRooms, viewRoom } from './room-view.js';
import * as repo from './room.repository.js';

export class RoomService {
  constructor(private readonly deps: ChatDeps) {}

  /** `joined`: the caller's rooms with read state; `public`: every live public channel. */
  async list(actor: Actor, scope: 'joined' | 'public'): Promise<Room[]> {
    const { pool } = this.deps;
    if (scope === 'public') return (await repo.listPublicRooms(pool, actor.id)).map(toRoom);
    return viewJoinedRooms(pool, await repo.listJoinedRooms(pool, actor.id), actor.id);
  }

  async get(actor: Actor, roomId: string): Promise<Room> {
    const room = await requireRoom(this.deps.pool, actor, roomId, 'read');
    return viewRoom(this.deps.pool, room, actor.id);
  }

  /** A channel; the creator is its owner. Guests may not create rooms. */
  async create(
    actor: Actor,
    input: { name: string; topic?: string; visibility: 'public' | 'private' },
  ): Promise<Room> {
    requirePermission(actor, 'room.create');
    const name = validateRoomName(input.name);
    const topic = validateTopic(input.topic ?? '');
    const { roomId, event } = await withTransaction(this.deps.pool, async (tx) => {
      const roomId = await repo.insertChannel(tx, {
        name,
        topic,
        visibility: input.visibility,
        createdBy: actor.id,
      });
      return { roomId, event: await addMemberInTx(tx, roomId, actor.id, 'owner') };
    });
    this.deps.publish([{ event }]);
    return this.get(actor, roomId);
  }

  /** Owner or admin. The default room keeps its name (everyone, and every node, finds it by it). */
  async update(
    actor: Actor,
    roomId: string,
    patch: { name?: string; topic?: string },
  ): Promise<Room> {
    const room = await requireRoom(this.deps.pool, actor, roomId, 'manage');
    if (room.kind === 'dm') throw forbidden('a dm has no name or topic to change');
    const name = patch.name === undefined ? undefined : validateRoomName(patch.name);
    const topic = patch.topic === undefined ? undefined : validateTopic(patch.topic);
    if (name !== undefined && room.name === DEFAULT_ROOM_NAME && name !== DEFAULT_ROOM_NAME)
      throw forbidden(`the ${DEFAULT_ROOM_NAME} room cannot be renamed`);
    if (name !== undefined || topic !== undefined) {
      const event = await withTransaction(this.deps.pool, async (tx) => {
        await repo.lockRoom(tx, room.id);
        await repo.updateRoom(tx, room.id, { name, topic });
        return roomUpdatedInTx(tx, room.id, actor.id);
      });
      this.deps.publish([{ event }]);
    }
    return this.get(actor, room.id);
  }

  /** Owner or admin; archived rooms stay readable, take no writes, and leave the public list. */
  async archive(actor: Actor, roomId: string): Promise<void> {
    const room = await requireRoom(this.deps.pool, actor, roomId, 'manage', {
      allowArchived: true,
    });
    if (room.archived_at) return;
    if (room.kind === 'channel' && room.name === DEFAULT_ROOM_NAME)
      throw forbidden(`the ${DEFAULT_ROOM_NAME} room cannot be archived`);
    const event = await withTransaction(this.deps.pool, async (tx) => {
      await repo.lockRoom(tx, room.id);
      await repo.archiveRoom(tx, room.id);
      return roomUpdatedInTx(tx, room.id, actor.id);
    });
    this.deps.publish([{ event }]);
  }

  /** The id of the default `general` room (the `/api/v1/messages` routes act on it). */
  async defaultRoomId(): Promise<string | undefined> {
    return repo.findDefaultRoomId(this.deps.pool);
  }
}

/** Adds a member and appends `member.joined` {user, role}; call inside the change's transaction. */
export async function addMemberInTx(
  tx: PoolClient,
  roomId: string,
  userId: string,
  role: MemberRole,
) {
  await repo.insertMember(tx, roomId, userId, role);
  return memberEventInTx(tx, roomId, userId, 'member.joined');
}

/** `member.joined` (also announcing a role change) or `member.left`, with the member's profile. */
export async function memberEventInTx(
  tx: PoolClient,
  roomId: string,
  userId: string,
  type: 'member.joined' | 'member.left',
  roleWhenLeft?: MemberRole,
) {
  const [member] = await repo.listMembers(tx, roomId, userId);
  if (type === 'member.joined' && member)
    return appendEvent(tx, roomId, type, { user: member.user, role: member.role });
  const [user] = await repo.findUserProfiles(tx, [userId]);
  return appendEvent(tx, roomId, type, { user, role: roleWhenLeft ?? member?.role ?? 'member' });
}

async function roomUpdatedInTx(tx: PoolClient, roomId: string, actorId: string) {
  const row = (await repo.findRoomView(tx, roomId, actorId))!;
  return appendEvent(tx, roomId, 'room.updated', toRoom(row));
}
