/**
 * SQL for `messages` (and the `message.created` event written with each one). Reads always come
 * back as `StoredMessage`s, oldest first, with their reactions aggregated per emoji.
 */
import type { Content, Message, RoomEvent } from '@parley/protocol';
import type { Queryable } from '../../db/pool.js';
import { searchText } from './content.js';
import type { StoredMessage, StoredReaction } from './stored-message.js';

interface MessageRow {
  id: string;
  room_id: string;
  seq: number;
  author_id: string;
  username: string;
  display_name: string;
  content: Content | null;
  reply_to: string | null;
  created_at: Date;
  edited_at: Date | null;
  deleted_at: Date | null;
  reactions: StoredReaction[];
}

/**
 * Selects from a relation `m` shaped like `messages` (the table or a CTE over it). Reactions are
 * looked up only for messages that have any (`reaction_count`, migration 0009): a gate PostgreSQL
 * checks before the index probe.
 */
const SELECT_FROM = (source: string, extra = '') => /* sql */ `
  SELECT ${extra} m.id, m.room_id, m.seq, m.author_id, u.username, u.display_name, m.content, m.reply_to,
         m.created_at, m.edited_at, m.deleted_at, coalesce(rx.reactions, '[]') AS reactions
  FROM ${source} m
  JOIN users u ON u.id = m.author_id
  LEFT JOIN LATERAL (
    SELECT jsonb_agg(jsonb_build_object('emoji', g.emoji, 'user_ids', g.user_ids)
                     ORDER BY g.first_at, g.emoji) AS reactions
    FROM (SELECT emoji, array_agg(user_id ORDER BY created_at, user_id) AS user_ids,
                 min(created_at) AS first_at
          FROM reactions WHERE m.reaction_count > 0 AND message_id = m.id GROUP BY emoji) g
  ) rx ON true`;

const toStored = (r: MessageRow): StoredMessage => ({
  id: r.id,
  room_id: r.room_id,
  seq: r.seq,
  author: { id: r.author_id, username: r.username, display_name: r.display_name },
  content: r.deleted_at ? null : r.content,
  reply_to: r.reply_to,
  reactions: r.reactions,
  created_at: r.created_at.toISOString(),
  edited_at: r.edited_at?.toISOString() ?? null,
  deleted: r.deleted_at !== null,
});

export async function findMessage(db: Queryable, id: string): Promise<StoredMessage | undefined> {
  const { rows } = await db.query<MessageRow>(`${SELECT_FROM('messages')} WHERE m.id = $1`, [id]);
  return rows[0] && toStored(rows[0]);
}

export async function findMessages(
  db: Queryable,
  ids: readonly string[],
): Promise<StoredMessage[]> {
  if (ids.length === 0) return [];
  const { rows } = await db.query<MessageRow>(
    `${SELECT_FROM('messages')} WHERE m.id = ANY($1::uuid[]) ORDER BY m.room_id, m.seq`,
    [ids],
  );
  return rows.map(toStored);
}

/** Where a page starts: the newest, before/after a seq, or after a time. */
export type Cursor =
  | { kind: 'latest' }
  | { kind: 'before'; seq: number }
  | { kind: 'after'; seq: number }
  | { kind: 'since'; at: Date };

/**
 * Up to `limit` messages next to the cursor, returned oldest first. `latest`/`before` take the
 * newest ones below the cursor, `after`/`since` the oldest ones above it. Seq cursors walk the
 * (room_id, seq) unique index.
 */
export async function listPage(
  db: Queryable,
  roomId: string,
  cursor: Cursor,
  limit: number,
): Promise<StoredMessage[]> {
  const [where, order, arg] =
    cursor.kind === 'latest'
      ? ['true', 'DESC', null]
      : cursor.kind === 'before'
        ? ['seq < $3', 'DESC', cursor.seq]
        : cursor.kind === 'after'
          ? ['seq > $3', 'ASC', cursor.seq]
          : ['created_at > $3', 'ASC', cursor.at];
  const page = `(SELECT * FROM messages WHERE room_id = $1 AND ${where} ORDER BY seq ${order}
                 LIMIT $2)`;
  const { rows } = await db.query<MessageRow>(
    `${SELECT_FROM(page)} ORDER BY m.seq`,
    arg === null ? [roomId, limit] : [roomId, limit, arg],
  );
  return rows.map(toStored);
}

export interface NewMessage {
  roomId: string;
  authorId: string;
  content: Content;
  replyTo: string | null;
  idempotencyKey: string | null;
  requestHash: string | null;
}

/** A timestamptz column as the wire's ISO 8601 text (what `Date#toISOString` writes). */
export const isoText = (column: string): string =>
  `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * The whole send in ONE statement (autocommit, so one round trip and one commit): bump the room's
 * event counter (its row lock orders concurrent senders), insert the message with that seq, and
 * insert its `message.created` event, whose payload PostgreSQL builds from the inserted row.
 * Each CTE yields exactly one row or the statement fails as a whole, so a seq is never taken
 * without its event. Returns undefined — nothing written — when the room does not exist, is
 * archived, or the author is not a member of it (the right to post, enforced by the write itself).
 * A reused idempotency key raises 23505 on `messages_author_id_idempotency_key_key`.
 */
export async function insertMessage(
  db: Queryable,
  m: NewMessage,
): Promise<RoomEvent<Message> | undefined> {
  const { rows } = await db.query<{ seq: number; created_at: Date; data: Message }>({
    name: 'parley_send_one',
    text: `WITH bumped AS (
       UPDATE rooms SET last_seq = last_seq + 1
       WHERE id = $1 AND archived_at IS NULL
         AND EXISTS (SELECT 1 FROM room_members WHERE room_id = $1 AND user_id = $2)
       RETURNING last_seq
     ), msg AS (
       INSERT INTO messages (room_id, seq, author_id, content, reply_to, idempotency_key,
                             request_hash, search)
       SELECT $1, last_seq, $2, $3::jsonb, $4::uuid, $5, $6, to_tsvector('simple', $7) FROM bumped
       RETURNING id, seq, created_at
     ), payload AS (
       SELECT msg.seq, msg.created_at, jsonb_build_object(
         'id', msg.id, 'room_id', $1::uuid, 'seq', msg.seq,
         'author', (SELECT jsonb_build_object('id', id, 'username', username,
                                              'display_name', display_name)
                    FROM users WHERE id = $2),
         'content', $3::jsonb, 'reply_to', $4::uuid, 'reactions', '[]'::jsonb,
         'created_at', ${isoText('msg.created_at')}, 'edited_at', NULL::text, 'deleted', false
       ) AS data
       FROM msg
     ), ev AS (
       INSERT INTO events (room_id, seq, type, payload, created_at)
       SELECT $1, seq, 'message.created', data, created_at FROM payload
     )
     SELECT seq, created_at, data FROM payload`,
    values: [
      m.roomId,
      m.authorId,
      JSON.stringify(m.content),
      m.replyTo,
      m.idempotencyKey,
      m.requestHash,
      searchText(m.content),
    ],
  });
  const row = rows[0];
  if (!row) return undefined;
  return {
    type: 'event',
    room_id: m.roomId,
    seq: row.seq,
    event: 'message.created',
    data: row.data,
    at: row.created_at.toISOString(),
  };
}

export const IDEMPOTENCY_CONSTRAINT = 'messages_author_id_idempotency_key_key';

export async function findByIdempotencyKey(
  db: Queryable,
  authorId: string,
  key: string,
): Promise<{ message: StoredMessage; requestHash: string | null } | undefined> {
  const { rows } = await db.query<MessageRow & { request_hash: string | null }>(
    `${SELECT_FROM('messages', 'm.request_hash,')} WHERE m.author_id = $1 AND m.idempotency_key = $2`,
    [authorId, key],
  );
  const row = rows[0];
  return row && { message: toStored(row), requestHash: row.request_hash };
}

/** The room a message belongs to (reply targets must be in the same room). */
export async function findMessageRoom(db: Queryable, id: string): Promise<string | undefined> {
  const { rows } = await db.query<{ room_id: string }>(
    'SELECT room_id FROM messages WHERE id = $1',
    [id],
  );
  return rows[0]?.room_id;
}

export async function updateContent(tx: Queryable, id: string, content: Content): Promise<void> {
  await tx.query(
    `UPDATE messages SET content = $2::jsonb, search = to_tsvector('simple', $3),
       edited_at = date_trunc('milliseconds', now())
     WHERE id = $1`,
    [id, JSON.stringify(content), searchText(content)],
  );
}

/** Leaves a tombstone: the row (seq, author, reply links) stays; content and reactions go. */
export async function markDeleted(tx: Queryable, id: string): Promise<void> {
  await tx.query(
    `UPDATE messages SET content = 'null'::jsonb, search = NULL,
       deleted_at = date_trunc('milliseconds', now())
     WHERE id = $1`,
    [id],
  );
  await tx.query('DELETE FROM reactions WHERE message_id = $1', [id]);
}

/** The newest message that is not a tombstone (a room list shows the last real message). */
export async function findLatestLive(
  db: Queryable,
  roomId: string,
): Promise<StoredMessage | undefined> {
  const newest = `(SELECT * FROM messages WHERE room_id = $1 AND deleted_at IS NULL
                   ORDER BY seq DESC LIMIT 1)`;
  const { rows } = await db.query<MessageRow>(SELECT_FROM(newest), [roomId]);
  return rows[0] && toStored(rows[0]);
}
