/**
 * Membership: join, leave, list, invite (or change a role), kick.
 * - Public channels: anyone may join. Private channels: by invitation from an owner or moderator
 *   (non-members cannot even see them). Dms: the participants are fixed by the dm itself.
 * - Moderators invite as `member` and kick members; owners (and admins) also grant roles and
 *   kick moderators. Nobody is kicked by someone below them, and nobody leaves `general`.
 */
import type { Member, MemberRole, Room } from '@parley/protocol';
import { withTransaction } from '../../db/pool.js';
import { forbidden, invalid, notFound } from '../../errors.js';
import { isAdmin, type Actor } from '../actor.js';
import type { ChatDeps } from './chat-deps.js';
import { isUuid } from '../ids.js';
import { hasRight, requireRoom, roomArchived } from './room-access.js';
import { DEFAULT_ROOM_NAME } from './room-rules.js';
import { addMemberInTx, memberEventInTx } from './room.service.js';
import { viewRoom } from './room-view.js';
import * as repo from './room.repository.js';

const RANK: Record<MemberRole, number> = { member: 0, moderator: 1, owner: 2 };

export class MembershipService {
  constructor(private readonly deps: ChatDeps) {}

  async join(actor: Actor, roomId: string): Promise<Room> {
    const { pool } = this.deps;
    const room = await requireRoom(pool, actor, roomId, 'read');
    if (room.member_role === null) {
      if (room.archived_at) throw roomArchived();
      // Only public channels are visible to non-members, so this is a public channel.
      const event = await withTransaction(pool, async (tx) => {
        await repo.lockRoom(tx, room.id);
        if (!(await repo.insertMember(tx, room.id, actor.id, 'member'))) return undefined;
        return memberEventInTx(tx, room.id, actor.id, 'member.joined');
      });
      if (event) this.deps.publish([{ event }]);
    }
    return viewRoom(pool, (await repo.findRoomView(pool, room.id, actor.id))!, actor.id);
  }

  /** Leaving a room one is not in is a no-op; `general` cannot be left. */
  async leave(actor: Actor, roomId: string): Promise<void> {
    const room = await requireRoom(this.deps.pool, actor, roomId, 'read');
    if (room.member_role === null) return;
    if (isDefault(room)) throw forbidden(`everyone stays in ${DEFAULT_ROOM_NAME}`);
    await this.#remove(room.id, actor.id);
  }

  async members(actor: Actor, roomId: string): Promise<Member[]> {
    const room = await requireRoom(this.deps.pool, actor, roomId, 'read');
    return (await repo.listMembers(this.deps.pool, room.id)).map((m) => ({
      user: m.user,
      role: m.role,
      joined_at: m.joined_at.toISOString(),
    }));
  }

  /**
   * Adds `userId` with `role` (default member), or changes an existing member's role. Returns the
   * member and whether they were newly added.
   */
  async add(
    actor: Actor,
    roomId: string,
    input: { userId: string; role?: MemberRole },
  ): Promise<{ member: Member; created: boolean }> {
    const { pool } = this.deps;
    const room = await requireRoom(pool, actor, roomId, 'moderate');
    if (room.kind === 'dm') throw forbidden("a dm's participants are fixed; open another dm");
    const role = input.role ?? 'member';
    if (role !== 'member' && !hasRight(actor, room, 'manage'))
      throw forbidden('only the room owner may grant roles');
    if (!isUuid(input.userId) || (await repo.findUserProfiles(pool, [input.userId])).length === 0)
      throw invalid('user_id is not a user', [{ field: 'user_id', message: 'is not a user' }]);
    const [existing] = await repo.listMembers(pool, room.id, input.userId);
    if (existing && input.role === undefined) return { member: toMember(existing), created: false };
    if (existing && existing.role === role) return { member: toMember(existing), created: false };
    if (existing && input.userId === actor.id) throw forbidden('you cannot change your own role');
    if (existing && !hasRight(actor, room, 'manage'))
      throw forbidden('only the room owner may change roles');

    const event = await withTransaction(pool, async (tx) => {
      await repo.lockRoom(tx, room.id);
      if (existing) {
        await repo.setMemberRole(tx, room.id, input.userId, role);
        return memberEventInTx(tx, room.id, input.userId, 'member.joined');
      }
      return addMemberInTx(tx, room.id, input.userId, role);
    });
    this.deps.publish([{ event }]);
    const [member] = await repo.listMembers(pool, room.id, input.userId);
    return { member: toMember(member!), created: !existing };
  }

  /** Kick: by someone who outranks the member (owner > moderator > member; admins outrank all). */
  async kick(actor: Actor, roomId: string, userId: string): Promise<void> {
    const { pool } = this.deps;
    if (userId === actor.id) return this.leave(actor, roomId);
    const room = await requireRoom(pool, actor, roomId, 'moderate', { allowArchived: true });
    const [target] = isUuid(userId) ? await repo.listMembers(pool, room.id, userId) : [];
    if (!target) throw notFound('member');
    const mine = room.member_role ? RANK[room.member_role] : -1;
    if (!isAdmin(actor) && RANK[target.role] >= mine)
      throw forbidden('you may only remove members below your own role');
    await this.#remove(room.id, userId);
  }

  async #remove(roomId: string, userId: string): Promise<void> {
    const event = await withTransaction(this.deps.pool, async (tx) => {
      await repo.lockRoom(tx, roomId);
      const role = await repo.deleteMember(tx, roomId, userId);
      return role ? memberEventInTx(tx, roomId, userId, 'member.left', role) : undefined;
    });
    if (event) this.deps.publish([{ event }]);
  }
}

const isDefault = (room: repo.RoomRow) =>
  room.kind === 'channel' && room.name === DEFAULT_ROOM_NAME;

const toMember = (m: repo.MemberRow): Member => ({
  user: m.user,
  role: m.role,
  joined_at: m.joined_at.toISOString(),
});
