/** SQL for personal API tokens. Only the SHA-256 of a token is stored; its text is shown once. */
import type { Role } from '@parley/protocol';
import type { Queryable } from '../../db/pool.js';

export interface ApiTokenRow {
  id: string;
  name: string;
  created_at: Date;
  expires_at: Date | null;
  last_used_at: Date | null;
}

export interface ApiTokenPrincipal {
  token_id: string;
  user_id: string;
  username: string;
  role: Role;
  last_used_at: Date | null;
  expires_at: Date | null;
}

const COLUMNS = 'id, name, created_at, expires_at, last_used_at';
const ACTIVE = `t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now())`;

export async function insertApiToken(
  db: Queryable,
  t: { userId: string; name: string; hash: Buffer; expiresInDays: number | undefined },
): Promise<ApiTokenRow> {
  const { rows } = await db.query<ApiTokenRow>(
    `INSERT INTO api_tokens (user_id, name, token_hash, expires_at)
     VALUES ($1, $2, $3, CASE WHEN $4::int IS NULL THEN NULL ELSE now() + make_interval(days => $4::int) END)
     RETURNING ${COLUMNS}`,
    [t.userId, t.name, t.hash, t.expiresInDays ?? null],
  );
  return rows[0]!;
}

export async function countActiveApiTokens(db: Queryable, userId: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM api_tokens t WHERE user_id = $1 AND ${ACTIVE}`,
    [userId],
  );
  return rows[0]?.n ?? 0;
}

/** Tokens not revoked, newest first (expired ones stay listed until revoked, so owners see them). */
export async function listApiTokens(db: Queryable, userId: string): Promise<ApiTokenRow[]> {
  const { rows } = await db.query<ApiTokenRow>(
    `SELECT ${COLUMNS} FROM api_tokens WHERE user_id = $1 AND revoked_at IS NULL
     ORDER BY created_at DESC, id`,
    [userId],
  );
  return rows;
}

/** True when the token existed, belonged to `userId` and was not yet revoked. */
export async function revokeApiToken(db: Queryable, id: string, userId: string): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL`,
    [id, userId],
  );
  return (rowCount ?? 0) > 0;
}

export async function findActiveApiToken(
  db: Queryable,
  hash: Buffer,
): Promise<ApiTokenPrincipal | undefined> {
  const { rows } = await db.query<ApiTokenPrincipal>(
    `SELECT t.id AS token_id, u.id AS user_id, u.username, u.role, t.last_used_at, t.expires_at
     FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1 AND ${ACTIVE}`,
    [hash],
  );
  return rows[0];
}

/** Records use at most once a minute per token (the first use always). */
export async function touchApiToken(db: Queryable, id: string): Promise<void> {
  await db.query(
    `UPDATE api_tokens SET last_used_at = now()
     WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`,
    [id],
  );
}
