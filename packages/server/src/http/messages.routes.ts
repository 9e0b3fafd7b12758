/**
 * Messages (API.md "Messages"): history, send, read one, edit, delete, read receipts, reactions —
 * each a thin adapter over one domain call. `/api/v1/messages` (no room) is the `general` room,
 * for clients of the older single-room API.
 */
import {
  EditMessageBody,
  MAX_HISTORY_LIMIT,
  Message,
  MessagePage,
  ReadBody,
  ReadState,
  SendMessageBody,
} from '@parley/protocol';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { AppContext } from '../context.js';
import type { Actor } from '../domain/actor.js';
import { MAX_WAIT_S, type RenderedPage } from '../domain/messages/history.service.js';
import { notFound } from '../errors.js';
import { requireActor, withRetryAfter } from './auth.js';
import {
  abortOnClose,
  chatErrors,
  MessageParams,
  NoContent,
  ReactionParams,
  RoomParams,
  security,
} from './chat.schemas.js';
import { ErrorResponse } from './schemas.js';

const errors = { ...chatErrors, 429: ErrorResponse };
const Seq = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });

const HistoryQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: MAX_HISTORY_LIMIT, default: 50 }),
  before: Type.Optional({ ...Seq, description: 'the newest `limit` messages below this seq' }),
  after: Type.Optional({ ...Seq, description: 'the oldest `limit` messages above this seq' }),
  since: Type.Optional(
    Type.String({
      maxLength: 40,
      description: 'like `after`, by creation time: RFC 3339 or unix seconds',
    }),
  ),
  wait: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: MAX_WAIT_S,
      description: 'long-poll: with `after`, wait up to this many seconds for a new message',
    }),
  ),
});

const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 255,
      pattern: '^[\\x21-\\x7e]+$',
      description: 'a retry with the same key returns the original message (200) instead',
    }),
  ),
});

export const messageRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (
  app,
  { ctx },
) => {
  const { messages, history, receipts, reactions, rooms } = ctx.chat;
  const tags = ['messages'];

  // `general` can be neither renamed nor archived, so its id never changes once found.
  let generalId: string | undefined;
  const general = async () => {
    generalId ??= await rooms.defaultRoomId();
    if (!generalId) throw notFound('room');
    return generalId;
  };

  // A page the history service hands out again (the same object to every reader of the same
  // room state, see history.service.ts) is encoded once: serialising 50 messages was the largest
  // single cost of a history request in a profile.
  const encoded = new WeakMap<MessagePage, ReturnType<FastifyReply['serialize']>>();
  // Only a long-poll waits: an AbortController per plain read was ~4% of a history request's CPU.
  const waitSignal = (query: { wait?: number }, reply: FastifyReply) =>
    query.wait ? abortOnClose(reply.raw) : undefined;

  // A page already rendered as JSON (history.service.ts `listRendered`) goes as it is.
  const sendPage = (reply: FastifyReply, page: MessagePage | RenderedPage) => {
    if (typeof page === 'string' || Buffer.isBuffer(page))
      return reply.type('application/json; charset=utf-8').send(page);
    let json = encoded.get(page);
    if (json === undefined) encoded.set(page, (json = reply.serialize(page)));
    return reply.type('application/json; charset=utf-8').send(json);
  };

  const list = {
    tags,
    security,
    querystring: HistoryQuery,
    response: { 200: MessagePage, ...errors },
  };
  const send = {
    tags,
    security,
    headers: IdempotencyHeaders,
    body: SendMessageBody,
    response: { 200: Message, 201: Message, ...errors },
  };
  type SendRequest = {
    headers: { 'idempotency-key'?: string };
    body: { content?: unknown; text?: unknown; reply_to?: string | null };
  };
  const sendTo = async (actor: Actor, roomId: string, request: SendRequest) =>
    messages.send(actor, {
      roomId,
      content: request.body.content,
      text: request.body.text,
      replyTo: request.body.reply_to,
      idempotencyKey: request.headers['idempotency-key'],
    });

  app.get(
    '/api/v1/rooms/:room_id/messages',
    { schema: { ...list, summary: 'History, oldest first, by seq cursors', params: RoomParams } },
    async (request, reply) =>
      sendPage(
        reply,
        await history.listRendered(
          requireActor(request),
          request.params.room_id,
          request.query,
          waitSignal(request.query, reply),
        ),
      ),
  );

  app.post(
    '/api/v1/rooms/:room_id/messages',
    { schema: { ...send, summary: 'Send a message', params: RoomParams } },
    async (request, reply) => {
      const actor = requireActor(request);
      const { message, replayed } = await withRetryAfter(reply, () =>
        sendTo(actor, request.params.room_id, request),
      );
      if (replayed) reply.header('idempotent-replayed', 'true');
      return reply.code(replayed ? 200 : 201).send(message);
    },
  );

  app.get(
    '/api/v1/messages',
    { schema: { ...list, summary: 'History of the general room' } },
    async (request, reply) =>
      sendPage(
        reply,
        await history.listRendered(
          requireActor(request),
          await general(),
          request.query,
          waitSignal(request.query, reply),
        ),
      ),
  );

  app.post(
    '/api/v1/messages',
    { schema: { ...send, summary: 'Send a message to the general room' } },
    async (request, reply) => {
      const actor = requireActor(request);
      const roomId = await general();
      const { message, replayed } = await withRetryAfter(reply, () =>
        sendTo(actor, roomId, request),
      );
      if (replayed) reply.header('idempotent-replayed', 'true');
      return reply.code(replayed ? 200 : 201).send(message);
    },
  );

  app.get(
    '/api/v1/messages/:id',
    {
      schema: {
        tags,
        security,
        summary: 'One message (a deleted one is a tombstone)',
        params: MessageParams,
        response: { 200: Message, ...errors },
      },
    },
    async (request) => messages.get(requireActor(request), request.params.id),
  );

  const edit = {
    schema: {
      tags,
      security,
      summary: 'Edit your message',
      params: MessageParams,
      body: EditMessageBody,
      response: { 200: Message, ...errors },
    },
  };
  app.patch('/api/v1/messages/:id', edit, async (request) =>
    messages.edit(requireActor(request), request.params.id, request.body),
  );
  app.put('/api/v1/messages/:id', edit, async (request) =>
    messages.edit(requireActor(request), request.params.id, request.body),
  );

  app.delete(
    '/api/v1/messages/:id',
    {
      schema: {
        tags,
        security,
        summary: 'Delete a message (author, room moderator/owner or admin); a tombstone stays',
        params: MessageParams,
        response: { 204: NoContent, ...errors },
      },
    },
    async (request, reply) => {
      await messages.remove(requireActor(request), request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/api/v1/rooms/:room_id/read',
    {
      schema: {
        tags,
        security,
        summary: 'Mark the room read up to seq (never moves backwards)',
        params: RoomParams,
        body: ReadBody,
        response: { 200: ReadState, ...errors },
      },
    },
    async (request) =>
      receipts.markRead(requireActor(request), request.params.room_id, request.body.seq),
  );

  const reaction = (summary: string) => ({
    schema: {
      tags,
      security,
      summary,
      params: ReactionParams,
      response: { 200: Message, ...errors },
    },
  });
  app.put('/api/v1/messages/:id/reactions/:emoji', reaction('Add your reaction'), async (request) =>
    reactions.add(requireActor(request), request.params.id, request.params.emoji),
  );
  app.delete(
    '/api/v1/messages/:id/reactions/:emoji',
    reaction('Remove your reaction'),
    async (request) =>
      reactions.remove(requireActor(request), request.params.id, request.params.emoji),
  );
};
