/**
 * Server-Sent Events (API.md "Server-Sent Events"):
 *   GET /api/v1/stream                   every room of the caller (and rooms joined later)
 *   GET /api/v1/rooms/:room_id/stream    one room the caller may read
 *   GET /api/v1/messages/stream          the `general` room
 * Auth by header, cookie or `?token=`; resume by `Last-Event-ID` or `?cursor=` (sse-cursor.ts):
 * events after the cursor are replayed from the log, then the stream goes live, with no gap.
 * The route owns the open streams: one timer writes `event: ping` to all every SSE_PING_S, the
 * credential is re-checked (revoked → an `error` event and the end of the stream), and on drain
 * every stream ends so clients reconnect to another node.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { requireRoom } from '../domain/rooms/room-access.js';
import { AppError, notFound } from '../errors.js';
import type { JoinRequest } from '../realtime/hub.js';
import { decodeCursor, decodeSeq } from './sse-cursor.js';
import { SSE_HEADERS, SseStream } from './sse.transport.js';
import { authenticateStream, watchCredential, type Authenticated } from './ws-auth.js';
import { startSweep } from './sliced-sweep.js';

const Query = Type.Object({
  token: Type.Optional(Type.String({ description: 'access or API token (for EventSource)' })),
  cursor: Type.Optional(Type.String({ description: 'resume after this event id' })),
});
const tags = ['realtime'];
const description =
  'text/event-stream of room events (`event: <name>`, `id: <cursor>`, `data: <envelope>`), ' +
  'typing/presence/read signals without id, and `event: ping` keep-alives. See /api/v1/asyncapi.json.';

export const streamRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (
  app,
  { ctx },
) => {
  const open = new Set<SseStream>();
  const pingBlock = `event: ping\ndata: {"type":"ping"}\n\n`;
  const ping = startSweep(open, ctx.config.ssePingS * 1000, (s) => s.raw(pingBlock));
  ctx.lifecycle.onDrain(() => {
    for (const s of open) s.close();
  });
  app.addHook('onClose', async () => {
    clearInterval(ping);
    for (const s of open) s.close();
  });

  const auth = async (request: FastifyRequest): Promise<Authenticated> => {
    if (ctx.lifecycle.draining) throw new AppError('unavailable', 'draining for shutdown');
    const who = await authenticateStream(ctx, request);
    if (!who) throw new AppError('unauthenticated', 'authentication required');
    return who;
  };
  const cursorOf = (request: FastifyRequest): string | undefined => {
    const header = request.headers['last-event-id'];
    if (typeof header === 'string' && header !== '') return header;
    return (request.query as { cursor?: string }).cursor;
  };

  /** A single-room stream: the caller must be able to read it; resumes from the cursor. */
  async function serveRoom(
    request: FastifyRequest,
    reply: FastifyReply,
    who: Authenticated,
    roomId: string,
  ): Promise<void> {
    const room = await requireRoom(ctx.pool, who.actor, roomId, 'read');
    const raw = cursorOf(request);
    const from = raw === undefined ? undefined : decodeSeq(raw);
    await serve(request, reply, who, [{ roomId: room.id, from }], true);
  }

  /** Hijack the reply, register the stream with the hub, follow `rooms`. */
  async function serve(
    request: FastifyRequest,
    reply: FastifyReply,
    who: Authenticated,
    rooms: JoinRequest[],
    single: boolean,
  ): Promise<void> {
    const { hub, presence } = ctx.realtime;
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { ...(reply.getHeaders() as Record<string, string>), ...SSE_HEADERS });
    res.write(`retry: 2000\n\n`);
    const stream = new SseStream(res, who.actor.id, single);
    const sub = hub.connect(stream, !single);
    stream.sub = sub;
    open.add(stream);
    const watch = watchCredential(ctx, who.credential, (err) => {
      stream.raw(
        `event: error\ndata: ${JSON.stringify({ type: 'error', code: err.code, message: err.message })}\n\n`,
      );
      stream.close();
    });
    res.on('close', () => {
      open.delete(stream);
      watch.stop();
      hub.disconnect(sub);
      void presence.disconnected(sub);
    });
    try {
      await hub.join(sub, rooms);
      void presence.connected(sub);
    } catch (err) {
      request.log.error({ err }, 'stream setup failed');
      stream.close();
    }
  }

  app.get(
    '/api/v1/stream',
    {
      config: { auth: 'skip' },
      schema: {
        tags,
        summary: "Events of all the caller's rooms",
        description,
        querystring: Query,
      },
    },
    async (request, reply) => {
      const who = await auth(request);
      const raw = cursorOf(request);
      const positions = raw === undefined ? new Map<string, number>() : decodeCursor(raw);
      const rooms = await ctx.realtime.hub.membership.roomsOf(who.actor.id);
      await serve(
        request,
        reply,
        who,
        rooms.map((roomId) => ({ roomId, from: positions.get(roomId) })),
        false,
      );
    },
  );

  app.get(
    '/api/v1/rooms/:room_id/stream',
    {
      config: { auth: 'skip' },
      schema: {
        tags,
        summary: 'Events of one room',
        description,
        params: Type.Object({ room_id: Type.String() }),
        querystring: Query,
      },
    },
    async (request, reply) => {
      const who = await auth(request);
      await serveRoom(request, reply, who, request.params.room_id);
    },
  );

  app.get(
    '/api/v1/messages/stream',
    {
      config: { auth: 'skip' },
      schema: { tags, summary: 'Events of the general room', description, querystring: Query },
    },
    async (request, reply) => {
      const who = await auth(request);
      const general = await ctx.chat.rooms.defaultRoomId();
      if (!general) throw notFound('room');
      await serveRoom(request, reply, who, general);
    },
  );
};
