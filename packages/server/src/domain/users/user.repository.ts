/** SQL for `users` (and the default-room membership every new user gets). */
import type { Role, User } from '@parley/protocol';
import type { Queryable } from '../../db/pool.js';

export interface UserRow {
  id: string;
  username: string;
  display_name: string;
  password_hash: string | null;
  role: Role;
  created_at: Date;
}

const COLUMNS = 'id, username, display_name, password_hash, role, created_at';

/** The public profile: never the password hash. */
export const toUser = (row: UserRow): User => ({
  id: row.id,
  username: row.username,
  display_name: row.display_name,
  role: row.role,
  created_at: row.created_at.toISOString(),
});

export async function findUserById(db: Queryable, id: string): Promise<UserRow | undefined> {
  const { rows } = await db.query<UserRow>(`SELECT ${COLUMNS} FROM users WHERE id = $1`, [id]);
  return rows[0];
}

export async function findUsersByIds(db: Queryable, ids: readonly string[]): Promise<UserRow[]> {
  const { rows } = await db.query<UserRow>(`SELECT ${COLUMNS} FROM users WHERE id = ANY($1)`, [
    ids,
  ]);
  return rows;
}

export async function findUserByUsername(
  db: Queryable,
  username: string,
): Promise<UserRow | undefined> {
  const { rows } = await db.query<UserRow>(`SELECT ${COLUMNS} FROM users WHERE username = $1`, [
    username,
  ]);
  return rows[0];
}

/** Inserts a user; undefined when the username is taken (the unique index decides, race-free). */
export async function insertUser(
  db: Queryable,
  user: Pick<UserRow, 'username' | 'display_name' | 'password_hash' | 'role'>,
): Promise<UserRow | undefined> {
  const { rows } = await db.query<UserRow>(
    `INSERT INTO users (username, display_name, password_hash, role) VALUES ($1, $2, $3, $4)
     ON CONFLICT (username) DO NOTHING RETURNING ${COLUMNS}`,
    [user.username, user.display_name, user.password_hash, user.role],
  );
  return rows[0];
}

export async function hasRegisteredUser(db: Queryable): Promise<boolean> {
  const { rows } = await db.query(`SELECT 1 FROM users WHERE role <> 'guest' LIMIT 1`);
  return rows.length > 0;
}

/**
 * Serialises "is this the first registered user?" decisions within a transaction, so two
 * concurrent first registrations cannot both become admin.
 */
export async function lockFirstUserDecision(tx: Queryable): Promise<void> {
  await tx.query(`SELECT pg_advisory_xact_lock(hashtext('parley:first-user'))`);
}

const escapeLike = (s: string): string => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * Username prefix or display-name substring, case-insensitive. Exact username first, then
 * username prefixes, then the rest, alphabetically.
 */
export async function searchUsers(db: Queryable, query: string, limit: number): Promise<UserRow[]> {
  const q = escapeLike(query.toLowerCase());
  const { rows } = await db.query<UserRow>(
    `SELECT ${COLUMNS} FROM users
     WHERE $1 = '' OR username LIKE $1 || '%' OR lower(display_name) LIKE '%' || $1 || '%'
     ORDER BY (username = $2) DESC, (username LIKE $1 || '%') DESC, username
     LIMIT $3`,
    [q, query.toLowerCase(), limit],
  );
  return rows;
}

export async function updateDisplayName(db: Queryable, id: string, name: string): Promise<void> {
  await db.query(`UPDATE users SET display_name = $2, updated_at = now() WHERE id = $1`, [
    id,
    name,
  ]);
}

export async function updatePasswordHash(db: Queryable, id: string, hash: string): Promise<void> {
  await db.query(`UPDATE users SET password_hash = $2, updated_at = now() WHERE id = $1`, [
    id,
    hash,
  ]);
}

/**
 * The public `general` room every new user joins (API.md "Rooms"), having read what came before;
 * undefined if archived/absent.
 */
export async function joinDefaultRoom(tx: Queryable, userId: string): Promise<string | undefined> {
  const { rows } = await tx.query<{ room_id: string }>(
    `INSERT INTO room_members (room_id, user_id, role, last_read_seq)
     SELECT id, $1, 'member', last_seq FROM rooms
     WHERE kind = 'channel' AND lower(name) = 'general' AND archived_at IS NULL
     ORDER BY created_at LIMIT 1
     ON CONFLICT DO NOTHING RETURNING room_id`,
    [userId],
  );
  return rows[0]?.room_id;
}
