/**
 * Revisions that say when cached history went stale (domain/messages/history-blocks.ts):
 * - `rooms.history_rev` counts changes to a room's existing messages — edits, deletions, reaction
 *   counts, rows removed (a user's ON DELETE CASCADE) — but not new messages, so older pages
 *   cached on any node stay valid while a room is busy with sends and go stale at once, on every
 *   node, with the first edit or reaction.
 * - `history_names.rev` counts renames: a message shows its author's current username and
 *   display name, so any rename makes every cached page stale.
 * Both are bumped by triggers, in the changing transaction, whoever makes the change. The room
 * rows are locked in id order first, as send batches lock them (send-batcher.ts): a statement that
 * touches many rooms queues behind a batch instead of deadlocking with it.
 */
export const sql = /* sql */ `
ALTER TABLE rooms ADD COLUMN history_rev bigint NOT NULL DEFAULT 0;

CREATE TABLE history_names (
  only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
  rev      bigint NOT NULL DEFAULT 0
);
INSERT INTO history_names DEFAULT VALUES;

CREATE FUNCTION parley_bump_history_rev() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM rooms WHERE id IN (SELECT room_id FROM changed) ORDER BY id FOR UPDATE;
  UPDATE rooms SET history_rev = history_rev + 1 WHERE id IN (SELECT room_id FROM changed);
  RETURN NULL;
END $$;

CREATE TRIGGER messages_history_rev_update AFTER UPDATE ON messages
  REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION parley_bump_history_rev();
CREATE TRIGGER messages_history_rev_delete AFTER DELETE ON messages
  REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION parley_bump_history_rev();

CREATE FUNCTION parley_bump_history_names() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE history_names SET rev = rev + 1;
  RETURN NULL;
END $$;

CREATE TRIGGER users_history_names AFTER UPDATE OF username, display_name ON users
  FOR EACH ROW
  WHEN (OLD.username IS DISTINCT FROM NEW.username OR OLD.display_name IS DISTINCT FROM NEW.display_name)
  EXECUTE FUNCTION parley_bump_history_names();
`;
