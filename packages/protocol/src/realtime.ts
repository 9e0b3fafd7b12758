import { Type, type Static } from '@sinclair/typebox';

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
