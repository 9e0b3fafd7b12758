/**
 * Direct conversations between 2–9 users. The sorted set of participant ids is the room's
 * `dm_key` (unique), so the same set of users always gets the same room, even when two of them
 * open it at the same moment. Opening an existing dm brings back anyone who had left it.
 */
import type { Room } from '@parley/protocol';
import { withTransaction } from '../../db/pool.js';
import { invalid } from '../../errors.js';
import type { Actor } from '../actor.js';
import { requirePermission } from '../auth/permissions.js';
import type { ChatDeps } from './chat-deps.js';
import { isUuid } from '../ids.js';
import { addMemberInTx } from './room.service.js';
import { viewRoom } from './room-view.js';
import * as repo from './room.repository.js';

export const MAX_DM_USERS = 9;

export class DmService {
  constructor(private readonly deps: ChatDeps) {}

  async open(actor: Actor, userIds: readonly string[]): Promise<{ room: Room; created: boolean }> {
    requirePermission(actor, 'dm.create');
    const others = [...new Set(userIds.map((id) => id.toLowerCase()))].filter(
      (id) => id !== actor.id,
    );
    if (others.length === 0 || others.length > MAX_DM_USERS - 1)
      throw invalid(`a dm has 2–${MAX_DM_USERS} participants, you included`, [
        { field: 'user_ids', message: `must name 1–${MAX_DM_USERS - 1} other users` },
      ]);
    const { pool } = this.deps;
    const users = others.every(isUuid) ? await repo.findUserProfiles(pool, others) : [];
    if (users.length !== others.length)
      throw invalid('user_ids must all be users', [
        { field: 'user_ids', message: 'names someone who is not a user' },
      ]);
    const participants = [...users.map((u) => ({ id: u.id, username: u.username })), actor];
    const key = participants
      .map((p) => p.id)
      .sort()
      .join(',');
    const name = participants
      .map((p) => p.username)
      .sort()
      .join(', ');

    const { roomId, created, events } = await withTransaction(pool, async (tx) => {
      const { id, created } = await repo.upsertDm(tx, { dmKey: key, name, createdBy: actor.id });
      await repo.lockRoom(tx, id);
      const present = new Set((await repo.listMembers(tx, id)).map((m) => m.user.id));
      const events = [];
      for (const p of participants)
        if (!present.has(p.id)) events.push(await addMemberInTx(tx, id, p.id, 'member'));
      return { roomId: id, created, events };
    });
    this.deps.publish(events.map((event) => ({ event })));
    const row = (await repo.findRoomView(pool, roomId, actor.id))!;
    return { room: await viewRoom(pool, row, actor.id), created };
  }
}
