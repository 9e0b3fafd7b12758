/**
 * Identity additions to 0001:
 * - `sessions.cookie_token_hash`: a browser session's httpOnly cookie is its own opaque secret
 *   (SHA-256 stored, like the refresh token), so rotating the refresh token never logs a browser
 *   out and a stolen refresh token is not a cookie.
 * - An index for "revoke/cascade a session's history" and a prefix index for user search.
 */
export const sql = /* sql */ `
ALTER TABLE sessions ADD COLUMN cookie_token_hash bytea UNIQUE;
CREATE INDEX session_refresh_history_session_idx ON session_refresh_history (session_id);
CREATE INDEX users_username_prefix_idx ON users (username text_pattern_ops);
`;
