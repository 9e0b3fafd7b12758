/**
 * Personal API tokens join the session-change feed of migration 0008: `t:<token id>` at the
 * commit of a revocation, an expiry change, a re-keyed hash or owner, and a deletion (also through
 * a user's ON DELETE CASCADE), so nodes may cache token checks too (domain/auth/credential-cache.ts).
 * `last_used_at` updates say nothing.
 */
export const sql = /* sql */ `
CREATE FUNCTION parley_notify_api_token_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM pg_notify('parley_auth', 't:' || OLD.id);
    RETURN OLD;
  END IF;
  IF NEW.revoked_at IS DISTINCT FROM OLD.revoked_at OR NEW.expires_at IS DISTINCT FROM OLD.expires_at
     OR NEW.user_id <> OLD.user_id OR NEW.token_hash <> OLD.token_hash THEN
    PERFORM pg_notify('parley_auth', 't:' || NEW.id);
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER api_tokens_notify_auth AFTER UPDATE OR DELETE ON api_tokens
  FOR EACH ROW EXECUTE FUNCTION parley_notify_api_token_change();

CREATE TRIGGER api_tokens_truncate_notify_auth AFTER TRUNCATE ON api_tokens
  FOR EACH STATEMENT EXECUTE FUNCTION parley_notify_auth_truncate();
`;
