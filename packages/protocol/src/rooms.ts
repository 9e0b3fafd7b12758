import { Type, type Static } from '@sinclair/typebox';
import { User } from './identity.js';
import { Message } from './messages.js';

export const RoomKind = Type.Union([Type.Literal('channel'), Type.Literal('dm')]);
export const Visibility = Type.Union([Type.Literal('public'), Type.Literal('private')]);
export const MemberRole = Type.Union([
  Type.Literal('owner'),
  Type.Literal('moderator'),
  Type.Literal('member'),
]);
export type MemberRole = Static<typeof MemberRole>;

export const Room = Type.Object(
  {
    id: Type.String(),
    kind: RoomKind,
    name: Type.String(),
    topic: Type.String(),
    visibility: Visibility,
    created_at: Type.String({ format: 'date-time' }),
    last_seq: Type.Integer(),
    member_count: Type.Integer(),
    archived_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    // The caller's membership, present when the caller is a member (GET /rooms, GET /rooms/:id).
    role: Type.Optional(MemberRole),
    unread_count: Type.Optional(
      Type.Integer({
        description: "messages by others after last_read_seq (tombstones don't count)",
      }),
    ),
    last_read_seq: Type.Optional(
      Type.Integer({
        description:
          'the caller has read up to this seq; a new member starts at the room’s last seq when joining',
      }),
    ),
    last_message: Type.Optional(Type.Union([Message, Type.Null()])),
  },
  { title: 'Room', additionalProperties: true },
);
export type Room = Static<typeof Room>;

/** A room name: 1–80 characters, no control characters, no leading/trailing space. */
export const RoomName = Type.String({ minLength: 1, maxLength: 80 });
export const RoomTopic = Type.String({ maxLength: 500 });

export const CreateRoomBody = Type.Object(
  { name: RoomName, topic: Type.Optional(RoomTopic), visibility: Visibility },
  { title: 'CreateRoomBody' },
);
export type CreateRoomBody = Static<typeof CreateRoomBody>;

export const UpdateRoomBody = Type.Object(
  { name: Type.Optional(RoomName), topic: Type.Optional(RoomTopic) },
  { title: 'UpdateRoomBody' },
);
export type UpdateRoomBody = Static<typeof UpdateRoomBody>;

export const OpenDmBody = Type.Object(
  {
    user_ids: Type.Array(Type.String({ maxLength: 64 }), {
      minItems: 1,
      maxItems: 9,
      description: 'the other participants (the caller is implied); 2–9 users in all',
    }),
  },
  { title: 'OpenDmBody' },
);

export const AddMemberBody = Type.Object(
  { user_id: Type.String({ maxLength: 64 }), role: Type.Optional(MemberRole) },
  { title: 'AddMemberBody' },
);

export const Member = Type.Object(
  { user: User, role: MemberRole, joined_at: Type.String({ format: 'date-time' }) },
  { title: 'Member' },
);
export type Member = Static<typeof Member>;
