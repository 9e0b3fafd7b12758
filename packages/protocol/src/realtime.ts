import { Type, type Static } from '@sinclair/typebox';
import { User } from './identity.js';
import { Content, Message } from './messages.js';

export const EVENT_TYPES = [
  'message.created',
  'message.updated',
  'message.deleted',
  'reaction.added',
  'reaction.removed',
  'member.joined',
  'member.left',
  'room.updated',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** The envelope of every room event, identical on every transport (API.md "Realtime"). */
export interface RoomEvent<D = unknown> {
  type: 'event';
  room_id: string;
  seq: number;
  event: EventType;
  data: D;
  at: string;
}

export const RoomEventSchema = Type.Object(
  {
    type: Type.Literal('event'),
    room_id: Type.String(),
    seq: Type.Integer({ minimum: 1 }),
    event: Type.Union(EVENT_TYPES.map((e) => Type.Literal(e))),
    data: Type.Unknown(),
    at: Type.String({ format: 'date-time' }),
  },
  { title: 'RoomEvent' },
);

export type RoomEventSchema = Static<typeof RoomEventSchema>;

/*
 * Realtime frames (API.md "Realtime"). Client frames are validated at runtime by the server with
 * these schemas; server frames are what the SDK receives. Every frame is a JSON object with a
 * string `type`. Ephemeral signals (typing, presence, read receipts) carry no `seq`.
 */
const RoomId = Type.String({ minLength: 1, maxLength: 64 });
const Seq = Type.Integer({ minimum: 0 });

// ---- client → server -------------------------------------------------------------------------
export const AuthFrame = Type.Object(
  { type: Type.Literal('auth'), token: Type.String({ minLength: 1, maxLength: 4096 }) },
  { title: 'AuthFrame', additionalProperties: false },
);
export const ResumeFrame = Type.Object(
  {
    type: Type.Literal('resume'),
    positions: Type.Record(RoomId, Seq, {
      description: 'room_id → the last seq the client has; it receives everything after it',
      maxProperties: 10_000,
    }),
  },
  { title: 'ResumeFrame', additionalProperties: false },
);
export const SendFrame = Type.Object(
  {
    type: Type.Literal('send'),
    room_id: RoomId,
    content: Content,
    client_id: Type.String({
      minLength: 1,
      maxLength: 128,
      description:
        'idempotency key: a retry with the same client_id never creates a second message',
    }),
    reply_to: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  },
  { title: 'SendFrame', additionalProperties: false },
);
export const TypingClientFrame = Type.Object(
  { type: Type.Literal('typing'), room_id: RoomId },
  { title: 'TypingClientFrame', additionalProperties: false },
);
export const ReadClientFrame = Type.Object(
  { type: Type.Literal('read'), room_id: RoomId, seq: Seq },
  { title: 'ReadClientFrame', additionalProperties: false },
);
export const PingFrame = Type.Object(
  { type: Type.Literal('ping') },
  { title: 'PingFrame', additionalProperties: false },
);

/** Client frame schemas by `type`: the server looks the schema up by type, then validates. */
export const CLIENT_FRAMES = {
  auth: AuthFrame,
  resume: ResumeFrame,
  send: SendFrame,
  typing: TypingClientFrame,
  read: ReadClientFrame,
  ping: PingFrame,
} as const;
export type ClientFrameType = keyof typeof CLIENT_FRAMES;
export type ClientFrame = { [K in ClientFrameType]: Static<(typeof CLIENT_FRAMES)[K]> };

// ---- server → client -------------------------------------------------------------------------
export const ReadyFrame = Type.Object(
  { type: Type.Literal('ready'), user: User },
  { title: 'ReadyFrame' },
);
export const AckFrame = Type.Object(
  { type: Type.Literal('ack'), client_id: Type.String(), message: Message },
  { title: 'AckFrame' },
);
export const TypingFrame = Type.Object(
  { type: Type.Literal('typing'), room_id: Type.String(), user_id: Type.String() },
  { title: 'TypingFrame' },
);
export const PresenceStatus = Type.Union([Type.Literal('online'), Type.Literal('offline')]);
export const PresenceFrame = Type.Object(
  { type: Type.Literal('presence'), user_id: Type.String(), status: PresenceStatus },
  { title: 'PresenceFrame' },
);
export const ReadFrame = Type.Object(
  { type: Type.Literal('read'), room_id: Type.String(), user_id: Type.String(), seq: Seq },
  { title: 'ReadFrame' },
);
export const ResyncFrame = Type.Object(
  {
    type: Type.Literal('resync'),
    room_id: Type.String(),
    reason: Type.String({
      description:
        'slow_consumer | history_unavailable | invalid_position: reload the room over REST; live events continue after this frame',
    }),
    seq: Type.Optional(Seq),
  },
  { title: 'ResyncFrame' },
);
export const ErrorFrame = Type.Object(
  {
    type: Type.Literal('error'),
    code: Type.String({ description: 'the REST error catalogue' }),
    message: Type.String(),
    client_id: Type.Optional(Type.String({ description: 'set when a send failed' })),
    details: Type.Optional(Type.Unknown()),
  },
  { title: 'ErrorFrame' },
);
export const PongFrame = Type.Object({ type: Type.Literal('pong') }, { title: 'PongFrame' });

export type ReadyFrame = Static<typeof ReadyFrame>;
export type AckFrame = Static<typeof AckFrame>;
export type TypingFrame = Static<typeof TypingFrame>;
export type PresenceStatus = Static<typeof PresenceStatus>;
export type PresenceFrame = Static<typeof PresenceFrame>;
export type ReadFrame = Static<typeof ReadFrame>;
export type ResyncFrame = Static<typeof ResyncFrame>;
export type ErrorFrame = Static<typeof ErrorFrame>;
export type PongFrame = Static<typeof PongFrame>;
export type ServerFrame =
  | RoomEvent
  | ReadyFrame
  | AckFrame
  | TypingFrame
  | PresenceFrame
  | ReadFrame
  | ResyncFrame
  | ErrorFrame
  | PongFrame;

/** WebSocket close codes Parley uses (4000–4999 is the application range). */
export const WS_CLOSE = {
  /** The server is restarting or draining: reconnect (to any node) and resume. */
  serviceRestart: 1012,
  /** Missing, bad, expired or revoked credentials. */
  unauthenticated: 4401,
  /** The socket stopped reading for too long; reconnect and resume. */
  slowConsumer: 4408,
  /** Too many frames, persistently. */
  rateLimited: 4429,
} as const;
