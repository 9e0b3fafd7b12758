import { Type, type Static } from '@sinclair/typebox';

export const MAX_TEXT_LENGTH = 4000;
/*
 * Content branches deliberately do not set `additionalProperties: false`: the server validates
 * with Ajv's `removeAdditional`, which strips "additional" properties while trying each branch of
 * a union, so `{type:"image", url}` would lose its `url` on the text branch and fail every branch.
 * Unknown properties are instead dropped by the domain, which rebuilds content from known fields.
 */
const HttpUrl = Type.String({ maxLength: 2048, pattern: '^[Hh][Tt][Tt][Pp][Ss]?://[^\\s]+$' });

export const TextContent = Type.Object(
  { type: Type.Literal('text'), text: Type.String({ minLength: 1, maxLength: MAX_TEXT_LENGTH }) },
  { title: 'TextContent' },
);
export const ImageContent = Type.Object(
  {
    type: Type.Literal('image'),
    url: HttpUrl,
    width: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
    height: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
    alt: Type.Optional(Type.String({ maxLength: 1000 })),
  },
  { title: 'ImageContent' },
);
export const VideoContent = Type.Object(
  {
    type: Type.Literal('video'),
    url: HttpUrl,
    source: Type.Optional(Type.String({ maxLength: 100 })),
  },
  { title: 'VideoContent' },
);
export const Content = Type.Union([TextContent, ImageContent, VideoContent], { title: 'Content' });
export type Content = Static<typeof Content>;

export const Reaction = Type.Object({
  emoji: Type.String(),
  count: Type.Integer(),
  me: Type.Boolean({
    description:
      'whether the caller reacted with this emoji; always false inside events (which every member ' +
      'receives alike): clients track their own reactions from reaction.* events (user_id)',
  }),
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

/* ---- Requests and responses of the Messages routes (API.md "Messages") ---- */

export const MAX_HISTORY_LIMIT = 200;

/** `{content, reply_to?}`, or the shorthand `{text, reply_to?}`; exactly one of the two. */
export const SendMessageBody = Type.Object(
  {
    content: Type.Optional(Content),
    text: Type.Optional(
      Type.String({ maxLength: MAX_TEXT_LENGTH, description: 'shorthand for a text content' }),
    ),
    reply_to: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()])),
  },
  { title: 'SendMessageBody' },
);
export type SendMessageBody = Static<typeof SendMessageBody>;

export const EditMessageBody = Type.Object(
  {
    content: Type.Optional(Content),
    text: Type.Optional(Type.String({ maxLength: MAX_TEXT_LENGTH })),
  },
  { title: 'EditMessageBody' },
);
export type EditMessageBody = Static<typeof EditMessageBody>;

export const MessagePage = Type.Object(
  { messages: Type.Array(Message), has_more: Type.Boolean() },
  { title: 'MessagePage' },
);
export type MessagePage = Static<typeof MessagePage>;

export const ReadBody = Type.Object({ seq: Type.Integer({ minimum: 0 }) }, { title: 'ReadBody' });
export const ReadState = Type.Object(
  { last_read_seq: Type.Integer(), unread_count: Type.Integer() },
  { title: 'ReadState' },
);
export type ReadState = Static<typeof ReadState>;

export const SearchResult = Type.Object(
  {
    message: Message,
    highlight: Type.String({
      description:
        'the matching text, HTML-escaped, with matches wrapped in <mark>…</mark>; safe to render as HTML',
    }),
  },
  { title: 'SearchResult' },
);
export type SearchResult = Static<typeof SearchResult>;

const NullableText = (description: string) =>
  Type.Union([Type.String(), Type.Null()], { description });

/** `GET /api/v1/unfurl` answer: a link preview built server-side. */
export const LinkPreview = Type.Object(
  {
    url: Type.String({ description: 'the page URL after redirects' }),
    title: NullableText('og:title, twitter:title or <title>'),
    description: NullableText('og:description, twitter:description or meta description'),
    image: NullableText('absolute http(s) URL of og:image or twitter:image'),
    site_name: NullableText('og:site_name'),
  },
  { title: 'LinkPreview' },
);
export type LinkPreview = Static<typeof LinkPreview>;
