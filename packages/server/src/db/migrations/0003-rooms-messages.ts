/**
 * Rooms and messages additions to 0001:
 * - Search: `messages.search` becomes a plain column that the application fills with the
 *   tsvector of the message's text case-folded in JavaScript (Unicode-aware), instead of a
 *   generated column whose lower-casing follows the database's locale: under the embedded
 *   cluster's C locale, `lower('Привет')` stays 'Привет' and non-ASCII words would only match
 *   with the very same capitalisation. The 'simple' configuration (no stemming, any language that
 *   separates words with spaces) stays; queries match word prefixes to make up for stemming.
 * - Message and event timestamps are stored at millisecond precision. The send path builds the
 *   `message.created` event payload inside PostgreSQL (one statement, see
 *   domain/messages/message.repository.ts) while reads build messages in JavaScript, whose dates
 *   have milliseconds: truncating at the source makes both render the very same RFC 3339 string.
 * - A message's seq is positive (seq 0 means "before anything" for cursors and read positions).
 * - Unread counts and "last message" look at a room's newest live messages; a partial index keeps
 *   both to an index range scan that skips tombstones.
 */
export const sql = /* sql */ `
ALTER TABLE messages DROP COLUMN search;
ALTER TABLE messages ADD COLUMN search tsvector;
UPDATE messages SET search = to_tsvector('simple', lower(content ->> 'text'))
  WHERE deleted_at IS NULL AND content ->> 'text' IS NOT NULL;
CREATE INDEX messages_search_idx ON messages USING gin (search);
ALTER TABLE messages ALTER COLUMN created_at SET DEFAULT date_trunc('milliseconds', now());
ALTER TABLE events ALTER COLUMN created_at SET DEFAULT date_trunc('milliseconds', now());
ALTER TABLE messages ADD CONSTRAINT messages_seq_positive CHECK (seq > 0);
CREATE INDEX messages_room_live_idx ON messages (room_id, seq) INCLUDE (author_id)
  WHERE deleted_at IS NULL;
`;
