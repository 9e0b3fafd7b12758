/**
 * The message-level form of `requireRoom`: finds the message, then checks the caller's right in
 * its room. A message in a room the caller cannot see is `not_found`, like the room itself.
 */
import type { Queryable } from '../../db/pool.js';
import { notFound } from '../../errors.js';
import type { Actor } from '../actor.js';
import { isUuid } from '../ids.js';
import { requireRoom, type RoomRight } from '../rooms/room-access.js';
import type { RoomViewRow } from '../rooms/room.repository.js';
import { findMessage } from './message.repository.js';
import type { StoredMessage } from './stored-message.js';

export async function requireMessage(
  db: Queryable,
  actor: Actor,
  messageId: string,
  right: RoomRight,
): Promise<{ message: StoredMessage; room: RoomViewRow }> {
  const message = isUuid(messageId) ? await findMessage(db, messageId) : undefined;
  if (!message) throw notFound('message');
  const room = await requireRoom(db, actor, message.room_id, right).catch((err: unknown) => {
    // The message exists, but saying "room not found" would be confusing: it's the message.
    throw err instanceof Error && (err as { code?: string }).code === 'not_found'
      ? notFound('message')
      : err;
  });
  return { message, room };
}
