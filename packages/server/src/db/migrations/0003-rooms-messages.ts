/**
 * Rooms and messages additions to 0001:
 * - Message and event timestamps are stored at millisecond precision. The send path builds the
 *   `message.created` event payload inside PostgreSQL (one statement, see
 *   domain/messages/message.repository.ts) while reads build messages in JavaScript, whose dates
 *   have milliseconds: truncating at the source makes both render the very same RFC 3339 string.
 * - A message's seq is positive (seq 0 means "before anything" for cursors and read positions).
 * - Unread counts and "last message" look at a room's newest live messages; a partial index keeps
 *   both to an index range scan that skips tombstones.
 */
export const sql = /* sql */ `
ALTER TABLE messages ALTER COLUMN created_at SET DEFAULT date_trunc('milliseconds', now());
ALTER TABLE events ALTER COLUMN created_at SET DEFAULT date_trunc('milliseconds', now());
ALTER TABLE messages ADD CONSTRAINT messages_seq_positive CHECK (seq > 0);
CREATE INDEX messages_room_live_idx ON messages (room_id, seq) INCLUDE (author_id)
  WHERE deleted_at IS NULL;
`;
