/**
 * `GET /api/v1/ws` (API.md "Realtime"). Credentials at the handshake (header, cookie, `?token=`)
 * are checked before the upgrade, so bad ones get a plain 401; otherwise the socket opens and
 * waits for an `auth` frame. The route owns the set of open connections:
 *   - one timer pings them all every WS_PING_S and terminates those that did not answer the
 *     previous ping (dead peers, half-open TCP);
 *   - on drain (SIGTERM) every client gets close 1012 "reconnect and resume", and new upgrades
 *     are refused with 503; on app close the remaining sockets are terminated.
 */
import type { ServerResponse } from 'node:http';
import websocket from '@fastify/websocket';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import type { AppContext } from '../context.js';
import { AppError } from '../errors.js';
import { authenticateStream, type Authenticated } from './ws-auth.js';
import { WsConnection } from './ws-connection.js';
import { startSweep } from './sliced-sweep.js';

export const wsRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  // No permessage-deflate: every recipient of a broadcast gets the same pre-built frame
  // (Outbound.wsFrame), which per-connection compression contexts would rule out.
  await app.register(websocket, {
    options: { maxPayload: ctx.config.bodyLimitBytes, perMessageDeflate: false },
  });
  const open = new Set<WsConnection>();
  const handshakes = new WeakMap<FastifyRequest, Authenticated>();
  const upgradeResponses = new WeakMap<FastifyRequest, ServerResponse>();

  // Dead peers (no pong since the last ping) are cut; sliced so 10k pings never block deliveries.
  const ping = startSweep(open, ctx.config.wsPingS * 1000, (conn) => {
    if (conn.awaitingPong) {
      conn.socket.terminate();
      return;
    }
    conn.awaitingPong = true;
    conn.socket.ping();
  });

  ctx.lifecycle.onDrain(() => {
    for (const conn of open) conn.close('draining');
  });
  app.addHook('onClose', async () => {
    clearInterval(ping);
    for (const conn of open) conn.socket.terminate();
  });

  /**
   * Kept apart from the route handler on purpose: closures that live as long as the socket must
   * not share a scope with the upgrade request, or V8 keeps the whole request (headers, raw
   * message, logger) alive for the connection's lifetime.
   */
  const accept = (socket: WebSocket, log: FastifyBaseLogger, auth: Authenticated | undefined) => {
    // @fastify/websocket's own 'error' listener closes over the upgrade's request and reply,
    // keeping them (headers, raw message, response) alive as long as the socket: ~10 KiB per
    // idle connection. Replace it with one that holds nothing but the logger.
    socket.removeAllListeners('error');
    socket.on('error', (err) => log.debug({ err }, 'websocket error'));
    const conn = new WsConnection(socket, ctx, log);
    open.add(conn);
    socket.on('close', () => {
      open.delete(conn);
      conn.dispose();
    });
    if (auth) conn.start(auth);
  };

  app.get(
    '/api/v1/ws',
    {
      websocket: true,
      config: { auth: 'skip' },
      schema: {
        tags: ['realtime'],
        summary:
          'WebSocket: events, typing, presence, read receipts, sends (see /api/v1/asyncapi.json)',
      },
      preValidation: async (request, reply) => {
        if (ctx.lifecycle.draining) throw new AppError('unavailable', 'draining for shutdown');
        upgradeResponses.set(request, reply.raw);
        const auth = await authenticateStream(ctx, request);
        if (auth) handshakes.set(request, auth);
      },
    },
    (socket, request) => {
      // The upgrade's placeholder HTTP response stays attached to the TCP socket (socket
      // ._httpMessage), and with it the whole request, for as long as the WebSocket lives.
      // Detach it: the response is never written after an upgrade.
      if (request.raw.socket) upgradeResponses.get(request)?.detachSocket(request.raw.socket);
      accept(socket, request.log, handshakes.get(request));
    },
  );
};
