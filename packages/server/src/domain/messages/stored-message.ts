/**
 * A message as this server holds it: like the wire `Message`, but reactions keep who reacted, so
 * one stored copy (in the hot-history cache, say) renders `me` for any viewer.
 */
import type { Content, Message } from '@parley/protocol';

export interface StoredReaction {
  emoji: string;
  /** In the order they reacted. */
  user_ids: string[];
}

export interface StoredMessage {
  id: string;
  room_id: string;
  seq: number;
  author: { id: string; username: string; display_name: string };
  content: Content | null;
  reply_to: string | null;
  reactions: StoredReaction[];
  created_at: string;
  edited_at: string | null;
  deleted: boolean;
}

/** The wire shape for one viewer; `viewerId` null renders `me: false` (event payloads). */
export function toWire(m: StoredMessage, viewerId: string | null): Message {
  return {
    id: m.id,
    room_id: m.room_id,
    seq: m.seq,
    author: m.author,
    content: m.content,
    reply_to: m.reply_to,
    reactions: m.reactions.map((r) => ({
      emoji: r.emoji,
      count: r.user_ids.length,
      me: viewerId !== null && r.user_ids.includes(viewerId),
    })),
    created_at: m.created_at,
    edited_at: m.edited_at,
    deleted: m.deleted,
  };
}

/** A freshly created message as its event payload carries it (no reactions yet). */
export function fromCreatedPayload(payload: Message): StoredMessage {
  return { ...payload, reactions: [] };
}
