/**
 * SQL for login sessions. A session holds the hash of its current refresh token (rotated on every
 * refresh, the superseded hash moves to `session_refresh_history`) and, for browsers, the hash of
 * its cookie token. "Active" = not revoked and not expired; every lookup that authenticates
 * requires it.
 */
import type { Role } from '@parley/protocol';
import type { Queryable } from '../../db/pool.js';

export interface SessionRow {
  id: string;
  user_id: string;
  user_agent: string | null;
  ip: string | null;
  created_at: Date;
  last_used_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
}

/** A session joined with its user: what authentication needs. */
export interface SessionPrincipal {
  session_id: string;
  user_id: string;
  username: string;
  role: Role;
  last_used_at: Date;
  expires_at: Date;
}

const PRINCIPAL = `s.id AS session_id, u.id AS user_id, u.username, u.role, s.last_used_at,
  s.expires_at`;
const ACTIVE = `s.revoked_at IS NULL AND s.expires_at > now()`;

export async function insertSession(
  db: Queryable,
  s: {
    userId: string;
    refreshHash: Buffer;
    cookieHash: Buffer | undefined;
    userAgent: string | undefined;
    ip: string | undefined;
    ttlDays: number;
  },
): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO sessions (user_id, refresh_token_hash, cookie_token_hash, user_agent, ip, expires_at)
     VALUES ($1, $2, $3, $4, $5, now() + make_interval(days => $6)) RETURNING id`,
    [s.userId, s.refreshHash, s.cookieHash ?? null, s.userAgent ?? null, s.ip ?? null, s.ttlDays],
  );
  return rows[0]!.id;
}

/**
 * Many sessions in one statement (the authenticator coalesces concurrent requests' checks, see
 * db/batch-queue.ts): the active ones among `sessionIds`, by id. Callers match the user.
 */
export async function findActiveSessions(
  db: Queryable,
  sessionIds: string[],
): Promise<SessionPrincipal[]> {
  const { rows } = await db.query<SessionPrincipal>({
    name: 'parley_active_sessions',
    // A LATERAL probe per id: an index lookup whatever the statistics of a growing table said
    // when this prepared statement was planned.
    text: `SELECT p.* FROM unnest($1::uuid[]) AS k(id)
           JOIN LATERAL (
             SELECT ${PRINCIPAL} FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.id = k.id AND ${ACTIVE} LIMIT 1
           ) p ON true`,
    values: [sessionIds],
  });
  return rows;
}

export async function findActiveSessionByCookie(
  db: Queryable,
  cookieHash: Buffer,
): Promise<SessionPrincipal | undefined> {
  const { rows } = await db.query<SessionPrincipal>(
    `SELECT ${PRINCIPAL} FROM sessions s JOIN users u ON u.id = s.user_id
     WHERE s.cookie_token_hash = $1 AND ${ACTIVE}`,
    [cookieHash],
  );
  return rows[0];
}

/** Records use at most once a minute per session: authentication stays a read in the common case. */
export async function touchSession(db: Queryable, sessionId: string): Promise<void> {
  await db.query(
    `UPDATE sessions SET last_used_at = now()
     WHERE id = $1 AND last_used_at < now() - interval '1 minute'`,
    [sessionId],
  );
}

/** Locks the session that currently holds this refresh token (refresh runs one at a time). */
export async function lockSessionByRefreshHash(
  tx: Queryable,
  refreshHash: Buffer,
): Promise<(SessionRow & { expired: boolean }) | undefined> {
  const { rows } = await tx.query<SessionRow & { expired: boolean }>(
    `SELECT *, expires_at <= now() AS expired FROM sessions WHERE refresh_token_hash = $1 FOR UPDATE`,
    [refreshHash],
  );
  return rows[0];
}

/** The session a superseded refresh token belonged to, if it ever was one. */
export async function findSessionByPastRefreshHash(
  db: Queryable,
  refreshHash: Buffer,
): Promise<string | undefined> {
  const { rows } = await db.query<{ session_id: string }>(
    `SELECT session_id FROM session_refresh_history WHERE token_hash = $1`,
    [refreshHash],
  );
  return rows[0]?.session_id;
}

/** Replaces the refresh token, remembering the old one, and slides the session's expiry. */
export async function rotateRefreshToken(
  tx: Queryable,
  s: { sessionId: string; oldHash: Buffer; newHash: Buffer; ttlDays: number; userAgent?: string },
): Promise<void> {
  await tx.query(`INSERT INTO session_refresh_history (token_hash, session_id) VALUES ($1, $2)`, [
    s.oldHash,
    s.sessionId,
  ]);
  await tx.query(
    `UPDATE sessions SET refresh_token_hash = $2, last_used_at = now(),
       expires_at = now() + make_interval(days => $3), user_agent = coalesce($4, user_agent)
     WHERE id = $1`,
    [s.sessionId, s.newHash, s.ttlDays, s.userAgent ?? null],
  );
}

/** Revokes one session; with `userId`, only if it belongs to that user. True if it was active. */
export async function revokeSession(
  db: Queryable,
  sessionId: string,
  userId?: string,
): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE sessions SET revoked_at = now()
     WHERE id = $1 AND ($2::uuid IS NULL OR user_id = $2) AND revoked_at IS NULL`,
    [sessionId, userId ?? null],
  );
  return (rowCount ?? 0) > 0;
}

/** Revokes the session holding this cookie; its id, if one was active. */
export async function revokeSessionByCookie(db: Queryable, cookieHash: Buffer): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `UPDATE sessions SET revoked_at = now() WHERE cookie_token_hash = $1 AND revoked_at IS NULL
     RETURNING id`,
    [cookieHash],
  );
  return rows.map((r) => r.id);
}

/**
 * Revokes the session a (current or superseded) refresh token belongs to; the ids the token
 * names (none: an unknown token).
 */
export async function revokeSessionByRefreshHash(db: Queryable, hash: Buffer): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `WITH target AS (
       SELECT id FROM sessions WHERE refresh_token_hash = $1
       UNION SELECT session_id FROM session_refresh_history WHERE token_hash = $1),
     revoked AS (
       UPDATE sessions SET revoked_at = now()
       WHERE id IN (SELECT id FROM target) AND revoked_at IS NULL RETURNING id)
     SELECT id FROM target`,
    [hash],
  );
  return rows.map((r) => r.id);
}

/** Revokes all of a user's sessions except `keep` (password change, password reset). */
export async function revokeUserSessions(
  db: Queryable,
  userId: string,
  keep?: string,
): Promise<number> {
  const { rowCount } = await db.query(
    `UPDATE sessions SET revoked_at = now()
     WHERE user_id = $1 AND revoked_at IS NULL AND ($2::uuid IS NULL OR id <> $2)`,
    [userId, keep ?? null],
  );
  return rowCount ?? 0;
}

export async function listActiveSessions(db: Queryable, userId: string): Promise<SessionRow[]> {
  const { rows } = await db.query<SessionRow>(
    `SELECT id, user_id, user_agent, ip, created_at, last_used_at, expires_at, revoked_at
     FROM sessions s WHERE user_id = $1 AND ${ACTIVE} ORDER BY last_used_at DESC`,
    [userId],
  );
  return rows;
}
