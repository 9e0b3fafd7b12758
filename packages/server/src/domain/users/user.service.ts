/**
 * Users: creation (registration, guests, the operator CLI), public profiles, search, and the
 * caller's own profile. A new user joins the `general` room in the same transaction as its
 * insert (with a `member.joined` event), published after commit.
 */
import { isUuid } from '../ids.js';
import { randomBytes } from 'node:crypto';
import type { Role, User } from '@parley/protocol';
import type { Config } from '../../config.js';
import { BatchedLookup } from '../../db/batch-queue.js';
import { withTransaction, type Pool, type Queryable } from '../../db/pool.js';
import { AppError, invalid, notFound } from '../../errors.js';
import type { Actor } from '../actor.js';
import { appendEvent, type EventPublisher } from '../event-log.js';
import type { AttemptCounter } from '../../rate-limit/redis-limiters.js';
import type { PasswordHasher } from '../auth/password.js';
import { requirePermission, requireSession } from '../auth/permissions.js';
import { ended, type Forget } from '../auth/credential-cache.js';
import { revokeUserSessions } from '../auth/session.repository.js';
import * as repo from './user.repository.js';
import { hasForbiddenCharacters, normalizeDisplayName, normalizePassword } from './user.rules.js';

export interface NewUser {
  username: string;
  displayName: string;
  passwordHash: string | null;
  /** 'auto': admin for the first registered user or ADMIN_USERNAME, member otherwise. */
  role: Role | 'auto';
}

export interface UpdateMe {
  display_name?: string | undefined;
  password?: string | undefined;
  current_password?: string | undefined;
}

export interface UserServiceDeps {
  pool: Pool;
  events: EventPublisher;
  passwords: PasswordHasher;
  attempts: AttemptCounter;
  config: Pick<Config, 'adminUsername'>;
  /** Told what this node ended, after the commit and before answering (auth/credential-cache.ts). */
  forget?: Forget;
  /** Told after a rename commits and before it is answered (room-view-cache.ts). */
  onRename?: (userId: string) => void;
}

export class UserService {
  /**
   * Profiles by id, concurrent reads sharing one statement (db/batch-queue.ts: each still sees
   * every commit made before it asked): a reconnect storm asks for every user's own profile at once.
   */
  readonly #byId: BatchedLookup<string, repo.UserRow>;

  constructor(private readonly deps: UserServiceDeps) {
    this.#byId = new BatchedLookup(
      async (ids) => new Map((await repo.findUsersByIds(deps.pool, ids)).map((r) => [r.id, r])),
      (id) => id,
    );
  }

  /** Inserts the user and its `general` membership; `username_taken` if the name is in use. */
  async create(input: NewUser): Promise<repo.UserRow> {
    const { row, event } = await withTransaction(this.deps.pool, async (tx) => {
      let role = input.role;
      if (role === 'auto') {
        await repo.lockFirstUserDecision(tx);
        const first = !(await repo.hasRegisteredUser(tx));
        role = first || input.username === this.deps.config.adminUsername ? 'admin' : 'member';
      }
      const row = await repo.insertUser(tx, {
        username: input.username,
        display_name: input.displayName,
        password_hash: input.passwordHash,
        role,
      });
      if (!row) {
        throw new AppError('username_taken', 'that username is taken', [
          { field: 'username', message: 'is taken' },
        ]);
      }
      const roomId = await repo.joinDefaultRoom(tx, row.id);
      const event = roomId
        ? await appendEvent(tx, roomId, 'member.joined', { user: repo.toUser(row), role: 'member' })
        : undefined;
      return { row, event };
    });
    if (event) this.deps.events.publish([event]);
    return row;
  }

  /** A guest with a generated `guest-xxxxxx` username and no password. */
  async createGuest(displayName: string): Promise<repo.UserRow> {
    for (let attempt = 0; ; attempt++) {
      const username = `guest-${randomBytes(5).toString('hex').slice(0, 8)}`;
      try {
        return await this.create({ username, displayName, passwordHash: null, role: 'guest' });
      } catch (err) {
        // 40 random bits: a collision is rare; a few retries make failure vanishingly unlikely.
        if (!(err instanceof AppError && err.code === 'username_taken') || attempt >= 4) throw err;
      }
    }
  }

  async get(actor: Actor, id: string): Promise<User> {
    void actor; // every signed-in user may read public profiles
    const row = isUuid(id) ? await this.#byId.load(id) : undefined;
    if (!row) throw notFound('user');
    return repo.toUser(row);
  }

  async search(actor: Actor, query: string, limit: number): Promise<User[]> {
    void actor;
    if (hasForbiddenCharacters(query)) {
      throw invalid('query must not contain control characters', [
        { field: 'query', message: 'must not contain control characters' },
      ]);
    }
    const rows = await repo.searchUsers(this.deps.pool, query.trim(), limit);
    return rows.map(repo.toUser);
  }

  /** For other domains (members lists, message authors): public profiles by id. */
  async getMany(db: Queryable, ids: readonly string[]): Promise<Map<string, User>> {
    const rows = await repo.findUsersByIds(db, ids.filter(isUuid));
    return new Map(rows.map((r) => [r.id, repo.toUser(r)]));
  }

  /**
   * Changes the caller's display name and/or password. A password change needs the current
   * password, a login session (not an API token), and revokes every other session.
   */
  async updateMe(actor: Actor, patch: UpdateMe): Promise<User> {
    const row = await repo.findUserById(this.deps.pool, actor.id);
    if (!row) throw new AppError('unauthenticated', 'the account no longer exists');
    const displayName =
      patch.display_name === undefined ? undefined : normalizeDisplayName(patch.display_name);
    let newHash: string | undefined;
    if (patch.password !== undefined) {
      requirePermission(actor, 'password.change');
      requireSession(actor);
      const password = normalizePassword(patch.password);
      if (patch.current_password === undefined) {
        throw invalid('current_password is required to change the password', [
          { field: 'current_password', message: 'is required' },
        ]);
      }
      await this.deps.attempts.hit(`password:${actor.id}`);
      const ok = await this.deps.passwords.verify(
        row.password_hash,
        patch.current_password.normalize('NFC'),
      );
      if (!ok) {
        throw invalid('current_password is incorrect', [
          { field: 'current_password', message: 'is incorrect' },
        ]);
      }
      newHash = await this.deps.passwords.hash(password);
    }
    if (displayName === undefined && newHash === undefined) return repo.toUser(row);
    await withTransaction(this.deps.pool, async (tx) => {
      if (displayName !== undefined) await repo.updateDisplayName(tx, actor.id, displayName);
      if (newHash !== undefined) {
        await repo.updatePasswordHash(tx, actor.id, newHash);
        await revokeUserSessions(tx, actor.id, actor.sessionId);
      }
    });
    if (displayName !== undefined) this.deps.onRename?.(actor.id);
    if (newHash !== undefined) this.deps.forget?.(ended.user(actor.id));
    return repo.toUser({ ...row, display_name: displayName ?? row.display_name });
  }

  /** Operator password reset (CLI): sets the password and ends every session of the user. */
  async resetPassword(username: string, password: string): Promise<repo.UserRow> {
    const row = await repo.findUserByUsername(this.deps.pool, username.toLowerCase());
    if (!row) throw notFound('user');
    if (row.role === 'guest') throw new AppError('forbidden', 'guests have no password');
    const hash = await this.deps.passwords.hash(normalizePassword(password));
    await withTransaction(this.deps.pool, async (tx) => {
      await repo.updatePasswordHash(tx, row.id, hash);
      await revokeUserSessions(tx, row.id);
    });
    this.deps.forget?.(ended.user(row.id));
    return row;
  }
}
