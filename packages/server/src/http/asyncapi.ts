/**
 * The realtime protocol as a machine-readable AsyncAPI 3.0 document, served at
 * `/api/v1/asyncapi.json` beside the OpenAPI one. It is generated from the same TypeBox schemas
 * (packages/protocol) that validate client frames at runtime, so it cannot drift from the code;
 * the tests validate it with the AsyncAPI project's parser.
 */
import {
  AckFrame,
  AuthFrame,
  ErrorFrame,
  PingFrame,
  PongFrame,
  PresenceFrame,
  ReadClientFrame,
  ReadFrame,
  ReadyFrame,
  ResumeFrame,
  ResyncFrame,
  RoomEventSchema,
  SendFrame,
  TypingClientFrame,
  TypingFrame,
  WS_CLOSE,
} from '@parley/protocol';
import type { TSchema } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { Config } from '../config.js';

type Json = Record<string, unknown>;

const plain = (schema: TSchema): Json => JSON.parse(JSON.stringify(schema)) as Json;

/** name → [schema, summary] */
const CLIENT: Record<string, [TSchema, string]> = {
  auth: [AuthFrame, 'Authenticate with an access or API token (when the handshake carried none).'],
  resume: [ResumeFrame, 'Receive every event after these per-room positions, in order.'],
  send: [SendFrame, 'Send a message; answered by `ack` (committed) or `error` with the client_id.'],
  typingStart: [TypingClientFrame, 'The user is typing in a room (throttled by the server).'],
  markRead: [ReadClientFrame, "Move the user's read position (never backwards)."],
  ping: [PingFrame, 'Application-level ping; answered by `pong`.'],
};
const SERVER: Record<string, [TSchema, string]> = {
  event: [RoomEventSchema, 'A room event with the room’s next seq: the resume cursor.'],
  ready: [ReadyFrame, 'Authenticated; the socket follows all of the user’s rooms from now on.'],
  ack: [AckFrame, 'The message of a `send` is committed.'],
  typing: [TypingFrame, 'Someone is typing (ephemeral, no seq).'],
  presence: [PresenceFrame, 'A user sharing a room went online or offline (ephemeral).'],
  read: [ReadFrame, 'A read receipt (ephemeral).'],
  resync: [ResyncFrame, 'Reload this room over REST; live events continue after this frame.'],
  error: [ErrorFrame, 'A frame failed; the socket stays open (unless followed by a close).'],
  pong: [PongFrame, 'Answer to `ping`.'],
};

function messages(frames: Record<string, [TSchema, string]>): Json {
  return Object.fromEntries(
    Object.keys(frames).map((name) => [name, { $ref: `#/components/messages/${name}` }]),
  );
}

const refs = (channel: string, names: string[]) =>
  names.map((n) => ({ $ref: `#/channels/${channel}/messages/${n}` }));

const STREAM_NOTE =
  'Each room event is one SSE event: `event: <event type>`, `id: <resume cursor>`, ' +
  '`data: <envelope JSON>`. Typing, presence and read signals come without `id`. ' +
  '`event: ping` every SSE_PING_S (30 s). Resume with `Last-Event-ID` or `?cursor=`.';

export function buildAsyncApi(config: Pick<Config, 'version' | 'port'>): Json {
  const all = { ...CLIENT, ...SERVER };
  const serverNames = Object.keys(SERVER);
  const signals = ['event', 'typing', 'presence', 'read', 'resync'];
  const streamChannel = (address: string, description: string, params?: Json) => ({
    address,
    description: `${description} ${STREAM_NOTE}`,
    ...(params ? { parameters: params } : {}),
    messages: Object.fromEntries(signals.map((n) => [n, { $ref: `#/components/messages/${n}` }])),
  });
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Parley realtime API',
      version: config.version,
      description:
        'WebSocket and Server-Sent Events of Parley (REST is in /api/v1/openapi.json). Every room ' +
        'event carries the room’s gap-free `seq`; clients resume from it. Delivery guarantees: ' +
        'docs/REALTIME.md. WebSocket close codes: ' +
        Object.entries(WS_CLOSE)
          .map(([k, v]) => `${v} ${k}`)
          .join(', ') +
        '.',
    },
    defaultContentType: 'application/json',
    servers: {
      parley: {
        host: `localhost:${config.port}`,
        protocol: 'ws',
        description: 'Any Parley node; behind a proxy use its public host (wss/https).',
      },
    },
    channels: {
      websocket: {
        address: '/api/v1/ws',
        description:
          'Auth by `Authorization: Bearer`, the session cookie, `?token=`, or a first `auth` ' +
          'frame. Bad credentials: 401 at the handshake, or an `error` frame and close 4401.',
        messages: messages(all),
        bindings: {
          ws: {
            method: 'GET',
            query: {
              type: 'object',
              properties: { token: { type: 'string', description: 'access or API token' } },
            },
          },
        },
      },
      stream: streamChannel('/api/v1/stream', 'All rooms of the caller (SSE).'),
      roomStream: streamChannel('/api/v1/rooms/{room_id}/stream', 'One room (SSE).', {
        room_id: { description: 'the room id' },
      }),
      generalStream: streamChannel('/api/v1/messages/stream', 'The general room (SSE).'),
    },
    operations: {
      clientFrames: {
        action: 'receive',
        summary: 'Frames the server accepts on the socket',
        channel: { $ref: '#/channels/websocket' },
        messages: refs('websocket', Object.keys(CLIENT)),
      },
      serverFrames: {
        action: 'send',
        summary: 'Frames the server sends on the socket',
        channel: { $ref: '#/channels/websocket' },
        messages: refs('websocket', serverNames),
      },
      ...Object.fromEntries(
        ['stream', 'roomStream', 'generalStream'].map((ch) => [
          `${ch}Events`,
          {
            action: 'send',
            summary: 'Events the server streams',
            channel: { $ref: `#/channels/${ch}` },
            messages: refs(ch, signals),
          },
        ]),
      ),
    },
    components: {
      messages: Object.fromEntries(
        Object.entries(all).map(([name, [schema, summary]]) => [
          name,
          { name, title: name, summary, payload: plain(schema) },
        ]),
      ),
    },
  };
}

export const asyncApiRoutes: FastifyPluginAsync<{ config: Config }> = async (app, { config }) => {
  const doc = JSON.stringify(buildAsyncApi(config));
  app.get('/api/v1/asyncapi.json', { schema: { hide: true } }, async (_request, reply) =>
    reply.type('application/json; charset=utf-8').send(doc),
  );
};
