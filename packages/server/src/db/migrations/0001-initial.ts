/**
 * Initial schema, shaped for API.md. Invariants the code relies on:
 * - `rooms.last_seq` is the room's event counter; each change bumps it in the same transaction
 *   that inserts the `events` row, so (room_id, seq) in `events` is gap-free.
 * - `messages` keep their row when deleted (`deleted_at`), so history and replies stay coherent.
 * - Secrets (refresh tokens, API tokens) are stored only as SHA-256 hashes.
 */
export const sql = /* sql */ `
CREATE TABLE users (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  username       text NOT NULL UNIQUE CHECK (username = lower(username)),
  display_name   text NOT NULL,
  password_hash  text,
  role           text NOT NULL CHECK (role IN ('admin', 'member', 'guest')),
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sessions (
  id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id             uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  refresh_token_hash  bytea NOT NULL UNIQUE,
  user_agent          text,
  ip                  text,
  created_at          timestamptz NOT NULL DEFAULT now(),
  last_used_at        timestamptz NOT NULL DEFAULT now(),
  expires_at          timestamptz NOT NULL,
  revoked_at          timestamptz
);
CREATE INDEX sessions_user_idx ON sessions (user_id);

-- Every refresh token a session ever had; presenting a superseded one revokes the session.
CREATE TABLE session_refresh_history (
  token_hash  bytea PRIMARY KEY,
  session_id  uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  rotated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_tokens (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name          text NOT NULL,
  token_hash    bytea NOT NULL UNIQUE,
  created_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz,
  last_used_at  timestamptz,
  revoked_at    timestamptz
);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id);

CREATE TABLE rooms (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  kind         text NOT NULL CHECK (kind IN ('channel', 'dm')),
  name         text NOT NULL,
  topic        text NOT NULL DEFAULT '',
  visibility   text NOT NULL CHECK (visibility IN ('public', 'private')),
  -- For dms: the sorted member ids, so the same set of users always finds the same room.
  dm_key       text UNIQUE,
  created_by   uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  archived_at  timestamptz,
  last_seq     bigint NOT NULL DEFAULT 0,
  CHECK ((kind = 'dm') = (dm_key IS NOT NULL))
);
CREATE UNIQUE INDEX rooms_channel_name_idx ON rooms (lower(name))
  WHERE kind = 'channel' AND archived_at IS NULL;

CREATE TABLE room_members (
  room_id        uuid NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
  user_id        uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  role           text NOT NULL DEFAULT 'member' CHECK (role IN ('owner', 'moderator', 'member')),
  joined_at      timestamptz NOT NULL DEFAULT now(),
  last_read_seq  bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (room_id, user_id)
);
CREATE INDEX room_members_user_idx ON room_members (user_id);

CREATE TABLE messages (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  room_id          uuid NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
  seq              bigint NOT NULL,
  author_id        uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  content          jsonb NOT NULL,
  reply_to         uuid REFERENCES messages (id) ON DELETE SET NULL,
  idempotency_key  text,
  -- Hash of the request that used the key: the same key with another body is a 409.
  request_hash     text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  edited_at        timestamptz,
  deleted_at       timestamptz,
  search           tsvector GENERATED ALWAYS AS
                     (to_tsvector('simple', coalesce(content ->> 'text', ''))) STORED,
  UNIQUE (room_id, seq),
  UNIQUE (author_id, idempotency_key)
);
CREATE INDEX messages_room_created_idx ON messages (room_id, created_at);
CREATE INDEX messages_search_idx ON messages USING gin (search);

CREATE TABLE reactions (
  message_id  uuid NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
  user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  emoji       text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (message_id, user_id, emoji)
);

-- The per-room event log: the source of truth for delivery and resume (DESIGN.md principle 1).
CREATE TABLE events (
  room_id     uuid NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
  seq         bigint NOT NULL,
  type        text NOT NULL,
  payload     jsonb NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (room_id, seq)
);

INSERT INTO rooms (kind, name, topic, visibility) VALUES ('channel', 'general', 'Everyone, by default', 'public');
`;
