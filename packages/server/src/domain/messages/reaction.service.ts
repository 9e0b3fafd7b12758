/**
 * Reactions: add/remove one emoji per user per message. Idempotent: adding an existing reaction
 * or removing an absent one answers with the message and appends no event.
 */
import type { Message } from '@parley/protocol';
import { withTransaction } from '../../db/pool.js';
import { AppError } from '../../errors.js';
import type { Actor } from '../actor.js';
import { appendEvent } from '../event-log.js';
import type { ChatDeps } from '../rooms/chat-deps.js';
import { roomArchived } from '../rooms/room-access.js';
import { lockRoom } from '../rooms/room.repository.js';
import { normalizeEmoji } from './emoji.js';
import { requireMessage } from './message-access.js';
import { findMessage } from './message.repository.js';
import { deleteReaction, insertReaction } from './reaction.repository.js';
import { toWire } from './stored-message.js';

export class ReactionService {
  constructor(private readonly deps: ChatDeps) {}

  add(actor: Actor, messageId: string, emoji: string): Promise<Message> {
    return this.#react(actor, messageId, emoji, 'reaction.added');
  }

  remove(actor: Actor, messageId: string, emoji: string): Promise<Message> {
    return this.#react(actor, messageId, emoji, 'reaction.removed');
  }

  async #react(
    actor: Actor,
    messageId: string,
    rawEmoji: string,
    type: 'reaction.added' | 'reaction.removed',
  ): Promise<Message> {
    const emoji = normalizeEmoji(rawEmoji);
    const { message } = await requireMessage(this.deps.pool, actor, messageId, 'post');
    const { stored, event } = await withTransaction(this.deps.pool, async (tx) => {
      const room = await lockRoom(tx, message.room_id);
      if (room?.archived_at) throw roomArchived();
      const current = await findMessage(tx, message.id);
      if (!current || current.deleted)
        throw new AppError('conflict', 'the message was deleted; it takes no reactions');
      const changed =
        type === 'reaction.added'
          ? await insertReaction(tx, message.id, actor.id, emoji)
          : await deleteReaction(tx, message.id, actor.id, emoji);
      if (!changed) return { stored: current, event: undefined };
      const stored = (await findMessage(tx, message.id))!;
      const data = {
        message_id: message.id,
        user_id: actor.id,
        emoji,
        message: toWire(stored, null),
      };
      return { stored, event: await appendEvent(tx, message.room_id, type, data) };
    });
    if (event) this.deps.publish([{ event, message: stored }]);
    return toWire(stored, actor.id);
  }
}
