import type { Content, Member, Message, Room, User } from '@parley/protocol';

export type {
  ApiToken,
  LinkPreview,
  AuthResult,
  Content,
  CreatedApiToken,
  Member,
  Message,
  Room,
  RoomEvent,
  User,
} from '@parley/protocol';

/** A joined room as `GET /rooms` returns it: the room plus the caller's read state. */
export interface JoinedRoom extends Room {
  unread_count: number;
  last_read_seq: number;
  last_message: Message | null;
}

export interface MessagePage {
  messages: Message[];
  has_more: boolean;
}

export interface HistoryQuery {
  limit?: number;
  before?: number;
  after?: number;
  since?: string | number;
  /** Long-poll seconds (0..30), with `after` only. */
  wait?: number;
}

export interface SendInput {
  content: Content;
  reply_to?: string;
}

export interface SendResult {
  message: Message;
  /** True when the server recognised the idempotency key and returned the original message. */
  replayed: boolean;
}

export interface SearchResult {
  message: Message;
  highlight: string;
}

export interface Tokens {
  access_token: string;
  refresh_token: string;
  expires_in: number;
}

export type { Member as RoomMember, User as PublicUser };
