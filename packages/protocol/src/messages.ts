import { Type, type Static } from '@sinclair/typebox';

export const MAX_TEXT_LENGTH = 4000;
const HttpUrl = Type.String({ maxLength: 2048, pattern: '^[Hh][Tt][Tt][Pp][Ss]?://[^\\s]+$' });

export const TextContent = Type.Object(
  { type: Type.Literal('text'), text: Type.String({ minLength: 1, maxLength: MAX_TEXT_LENGTH }) },
  { additionalProperties: false },
);
export const ImageContent = Type.Object(
  {
    type: Type.Literal('image'),
    url: HttpUrl,
    width: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
    height: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
    alt: Type.Optional(Type.String({ maxLength: 1000 })),
  },
  { additionalProperties: false },
);
export const VideoContent = Type.Object(
  {
    type: Type.Literal('video'),
    url: HttpUrl,
    source: Type.Optional(Type.String({ maxLength: 100 })),
  },
  { additionalProperties: false },
);
export const Content = Type.Union([TextContent, ImageContent, VideoContent], { title: 'Content' });
export type Content = Static<typeof Content>;

export const Reaction = Type.Object({
  emoji: Type.String(),
  count: Type.Integer(),
  me: Type.Boolean(),
});

export const Message = Type.Object(
  {
    id: Type.String(),
    room_id: Type.String(),
    seq: Type.Integer(),
    author: Type.Object({
      id: Type.String(),
      username: Type.String(),
      display_name: Type.String(),
    }),
    content: Type.Union([Content, Type.Null()]),
    reply_to: Type.Union([Type.String(), Type.Null()]),
    reactions: Type.Array(Reaction),
    created_at: Type.String({ format: 'date-time' }),
    edited_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    deleted: Type.Boolean(),
  },
  { title: 'Message' },
);
export type Message = Static<typeof Message>;
