/**
 * Sending, reading one, editing and deleting messages — the same functions behind REST and the
 * WebSocket `send` frame, with no knowledge of either.
 *
 * `send` is the hot path and keeps one clear transaction boundary: `repo.insertMessage` is a
 * single statement (seq bump + message + event, committed together). Group commit of concurrent
 * sends (issue 8) belongs behind that call, without changing callers.
 */
import type { Message } from '@parley/protocol';
import { withTransaction, type PoolClient } from '../../db/pool.js';
import { AppError, forbidden, invalid, notFound } from '../../errors.js';
import type { Actor } from '../actor.js';
import type { ChatDeps } from '../rooms/chat-deps.js';
import { isUuid } from '../ids.js';
import { hasRight, requireRoom, roomArchived } from '../rooms/room-access.js';
import { lockRoom } from '../rooms/room.repository.js';
import { appendEvent } from '../event-log.js';
import { contentFromBody, requestHash, validateIdempotencyKey } from './content.js';
import { requireMessage } from './message-access.js';
import * as repo from './message.repository.js';
import { insertMessageBatched } from './send-batcher.js';
import type { SendRateLimiter } from './send-rate-limiter.js';
import { fromCreatedPayload, toWire, type StoredMessage } from './stored-message.js';

export interface SendInput {
  roomId: string;
  /** Validated here (any transport may pass what it received). */
  content?: unknown;
  /** Shorthand for a text content; exclusive with `content`. */
  text?: unknown;
  replyTo?: string | null;
  /** REST `Idempotency-Key`, WebSocket `client_id`. */
  idempotencyKey?: string | null;
}

export interface SendResult {
  message: Message;
  /** True when the key was seen before: this is the original message, nothing new was created. */
  replayed: boolean;
}

export class MessageService {
  constructor(
    private readonly deps: ChatDeps,
    private readonly limiter: SendRateLimiter,
  ) {}

  async send(actor: Actor, input: SendInput): Promise<SendResult> {
    const content = contentFromBody(input);
    const key = input.idempotencyKey == null ? null : validateIdempotencyKey(input.idempotencyKey);
    await this.limiter.take(actor.id);
    const { pool } = this.deps;
    const replyTo = input.replyTo ?? null;
    let roomId: string;
    if (replyTo !== null) {
      // Access first: the reply check must not tell a stranger which room a message is in.
      const room = await requireRoom(pool, actor, input.roomId, 'post');
      roomId = room.id;
      if (!(isUuid(replyTo) && (await repo.findMessageRoom(pool, replyTo)) === room.id))
        throw invalid('reply_to must be a message in this room', [
          { field: 'reply_to', message: 'is not a message in this room' },
        ]);
    } else {
      // The right to post (a member of a live room) is enforced by the insert itself, which
      // writes nothing otherwise: one round trip fewer on the hot path. The access check below
      // then runs only to name the refusal (not_found, forbidden, room_archived).
      if (!isUuid(input.roomId)) throw notFound('room');
      roomId = input.roomId.toLowerCase();
    }
    const hash = key === null ? null : requestHash(roomId, content, replyTo);
    for (let attempt = 0; ; attempt++) {
      let event;
      try {
        // Group commit: concurrent sends share one statement and one COMMIT (send-batcher.ts).
        event = await insertMessageBatched(pool, {
          roomId,
          authorId: actor.id,
          content,
          replyTo,
          idempotencyKey: key,
          requestHash: hash,
        });
      } catch (err) {
        if (key !== null && isConstraint(err, repo.IDEMPOTENCY_CONSTRAINT))
          return this.#replay(actor, roomId, key, hash);
        throw err;
      }
      if (event) {
        const message = fromCreatedPayload(event.data);
        this.deps.publish([{ event, message }]);
        return { message: toWire(message, actor.id), replayed: false };
      }
      // Nothing written: say why (throws), unless the caller may post by now (joined, or the
      // room unarchived, between the insert and this check) — then try once more.
      await requireRoom(pool, actor, roomId, 'post');
      if (attempt > 0) throw new AppError('conflict', 'the room changed during the send; retry');
    }
  }

  /** The key was used before (maybe a moment ago by a concurrent retry, now committed). */
  async #replay(
    actor: Actor,
    roomId: string,
    key: string,
    hash: string | null,
  ): Promise<SendResult> {
    // Replays answer only callers who may still post there, as a fresh send would.
    await requireRoom(this.deps.pool, actor, roomId, 'post');
    const found = await repo.findByIdempotencyKey(this.deps.pool, actor.id, key);
    if (!found || found.requestHash !== hash) {
      throw new AppError(
        'idempotency_key_reused',
        'this Idempotency-Key was already used for a different request',
      );
    }
    return { message: toWire(found.message, actor.id), replayed: true };
  }

  async get(actor: Actor, messageId: string): Promise<Message> {
    const { message } = await requireMessage(this.deps.pool, actor, messageId, 'read');
    return toWire(message, actor.id);
  }

  /** Author only; sets `edited_at`. */
  async edit(
    actor: Actor,
    messageId: string,
    input: { content?: unknown; text?: unknown },
  ): Promise<Message> {
    const content = contentFromBody(input);
    const { message } = await requireMessage(this.deps.pool, actor, messageId, 'post');
    if (message.author.id !== actor.id) throw forbidden('only the author may edit a message');
    const stored = await this.#change(message, 'message.updated', (tx) =>
      repo.updateContent(tx, message.id, content),
    );
    return toWire(stored, actor.id);
  }

  /** The author, a room owner/moderator or an admin; leaves a tombstone. Deleting twice is a no-op. */
  async remove(actor: Actor, messageId: string): Promise<void> {
    const { message, room } = await requireMessage(this.deps.pool, actor, messageId, 'read');
    if (message.author.id !== actor.id && !hasRight(actor, room, 'moderate'))
      throw forbidden("only the author or a moderator may delete someone's message");
    if (room.archived_at) throw roomArchived();
    if (message.deleted) return;
    await this.#change(message, 'message.deleted', (tx) => repo.markDeleted(tx, message.id), true);
  }

  /**
   * Edit/delete under the room lock: re-read the message inside the transaction (a concurrent
   * delete may have won), change it, append the event carrying its new state, then publish.
   */
  async #change(
    message: StoredMessage,
    event: 'message.updated' | 'message.deleted',
    change: (tx: PoolClient) => Promise<void>,
    deletedIsDone = false,
  ): Promise<StoredMessage> {
    const result = await withTransaction(this.deps.pool, async (tx) => {
      const room = await lockRoom(tx, message.room_id);
      if (room?.archived_at) throw roomArchived();
      const current = await repo.findMessage(tx, message.id);
      if (!current || current.deleted) {
        if (deletedIsDone && current) return { stored: current, event: undefined };
        throw new AppError('conflict', 'the message was deleted');
      }
      await change(tx);
      const stored = (await repo.findMessage(tx, message.id))!;
      return { stored, event: await appendEvent(tx, message.room_id, event, toWire(stored, null)) };
    });
    if (result.event) this.deps.publish([{ event: result.event, message: result.stored }]);
    return result.stored;
  }
}

export function isConstraint(err: unknown, constraint: string): boolean {
  const e = err as { code?: string; constraint?: string };
  return e.code === '23505' && e.constraint === constraint;
}
