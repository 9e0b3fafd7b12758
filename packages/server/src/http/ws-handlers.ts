/**
 * One handler per client frame type (a typed map, not an if/else chain). Each is a thin adapter:
 * decode (done by ws-frames.ts) → one domain call → encode. `send` calls the same
 * `messages.send(actor, …)` as `POST /rooms/:id/messages`, with `client_id` as the idempotency
 * key, and answers `ack` (the message is committed); a failure answers an `error` frame carrying
 * the `client_id`. Errors thrown here become `error` frames in ws-connection.ts.
 */
import type { ClientFrame, ClientFrameType } from '@parley/protocol';
import type { Actor } from '../domain/actor.js';
import { AppError, notFound } from '../errors.js';
import type { WsConnection } from './ws-connection.js';
import type { AnyClientFrame } from './ws-frames.js';

export type FrameHandler = (conn: WsConnection, frame: AnyClientFrame) => Promise<void> | void;
type Handlers = {
  [K in ClientFrameType]: (conn: WsConnection, frame: ClientFrame[K]) => Promise<void> | void;
};

/** At most one typing signal per room per connection in this window. */
export const TYPING_THROTTLE_MS = 2000;

function actorOf(conn: WsConnection): Actor {
  if (!conn.actor) throw new AppError('unauthenticated', 'send an auth frame first');
  return conn.actor;
}

export const HANDLERS: Handlers = {
  async auth(conn, frame) {
    if (conn.actor) throw new AppError('invalid_request', 'already authenticated');
    let actor;
    try {
      actor = await conn.ctx.auth.authenticateToken(frame.token);
    } catch (err) {
      if (err instanceof AppError && err.status === 401) return conn.fail(err);
      throw err;
    }
    const credential = { kind: 'bearer' as const, token: frame.token };
    await conn.authenticate({ actor, credential });
  },

  async resume(conn, frame) {
    actorOf(conn);
    if (!conn.sub) return;
    const unknown = await conn.ctx.realtime.hub.resume(conn.sub, frame.positions);
    if (unknown.length > 0)
      conn.error(new AppError('not_found', 'not a member of these rooms', { room_ids: unknown }));
  },

  async send(conn, frame) {
    const result = await conn.ctx.chat.messages.send(actorOf(conn), {
      roomId: frame.room_id,
      content: frame.content,
      replyTo: frame.reply_to ?? null,
      idempotencyKey: frame.client_id,
    });
    conn.send({ type: 'ack', client_id: frame.client_id, message: result.message });
  },

  typing(conn, frame) {
    const actor = actorOf(conn);
    if (!conn.sub?.channels.has(frame.room_id)) throw notFound('room');
    const now = Date.now();
    conn.typingAt ??= new Map();
    if (now - (conn.typingAt.get(frame.room_id) ?? 0) < TYPING_THROTTLE_MS) return;
    conn.typingAt.set(frame.room_id, now);
    conn.ctx.realtime.hub.signal({ type: 'typing', room_id: frame.room_id, user_id: actor.id });
  },

  async read(conn, frame) {
    // The receipt service broadcasts the `read` signal itself (as for POST /rooms/:id/read).
    await conn.ctx.chat.receipts.markRead(actorOf(conn), frame.room_id, frame.seq);
  },

  ping(conn) {
    conn.send({ type: 'pong' });
  },
};
