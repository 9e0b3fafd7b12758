/**
 * Tells every node when a cached session check may have become wrong (domain/auth/credential-cache.ts):
 * a NOTIFY on `parley_auth`, sent by PostgreSQL at commit, whoever made the change — a node, the
 * operator CLI or a hand-written UPDATE. Payloads: `s:<session id>` (revoked, shortened, deleted —
 * also through a user's ON DELETE CASCADE) and `u:<user id>` (username or role changed, deleted).
 * A rotation that slides a session's expiry forward says nothing: a cached expiry is only ever
 * earlier than the stored one, which errs on the side of asking the database again.
 */
export const sql = /* sql */ `
CREATE FUNCTION parley_notify_session_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM pg_notify('parley_auth', 's:' || OLD.id);
    RETURN OLD;
  END IF;
  IF NEW.revoked_at IS DISTINCT FROM OLD.revoked_at OR NEW.expires_at < OLD.expires_at
     OR NEW.user_id <> OLD.user_id THEN
    PERFORM pg_notify('parley_auth', 's:' || NEW.id);
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER sessions_notify_auth AFTER UPDATE OR DELETE ON sessions
  FOR EACH ROW EXECUTE FUNCTION parley_notify_session_change();

CREATE FUNCTION parley_notify_user_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM pg_notify('parley_auth', 'u:' || OLD.id);
    RETURN OLD;
  END IF;
  IF NEW.username <> OLD.username OR NEW.role <> OLD.role THEN
    PERFORM pg_notify('parley_auth', 'u:' || NEW.id);
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER users_notify_auth AFTER UPDATE OR DELETE ON users
  FOR EACH ROW EXECUTE FUNCTION parley_notify_user_change();

CREATE FUNCTION parley_notify_auth_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('parley_auth', '*');
  RETURN NULL;
END $$;

CREATE TRIGGER sessions_truncate_notify_auth AFTER TRUNCATE ON sessions
  FOR EACH STATEMENT EXECUTE FUNCTION parley_notify_auth_truncate();
CREATE TRIGGER users_truncate_notify_auth AFTER TRUNCATE ON users
  FOR EACH STATEMENT EXECUTE FUNCTION parley_notify_auth_truncate();
`;
