import { Type, type Static } from '@sinclair/typebox';
import { User } from './identity.js';

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
  },
  { title: 'Room', additionalProperties: true },
);
export type Room = Static<typeof Room>;

export const Member = Type.Object(
  { user: User, role: MemberRole, joined_at: Type.String({ format: 'date-time' }) },
  { title: 'Member' },
);
export type Member = Static<typeof Member>;
