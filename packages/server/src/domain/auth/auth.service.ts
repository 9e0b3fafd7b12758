/**
 * Logins and their sessions: register, log in, guest access, refresh-token rotation with reuse
 * detection, logout, and the caller's session list. Authentication of presented credentials is
 * `Authenticator`'s; this service is what `ctx.auth` exposes to every transport.
 *
 * Refresh rotation: each refresh replaces the session's refresh token and records the old hash.
 * Presenting a recorded (superseded) token means two parties hold the session's tokens — one of
 * them a thief — so the whole session is revoked and both must log in again.
 */
import { isUuid } from '../ids.js';
import type { AuthResult, Session, User } from '@parley/protocol';
import type { Logger } from 'pino';
import type { Config } from '../../config.js';
import { withTransaction, type Pool } from '../../db/pool.js';
import { AppError, notFound } from '../../errors.js';
import type { Actor } from '../actor.js';
import {
  findUserById,
  findUserByUsername,
  toUser,
  updatePasswordHash,
} from '../users/user.repository.js';
import type { UserRow } from '../users/user.repository.js';
import { normalizeDisplayName, normalizePassword, normalizeUsername } from '../users/user.rules.js';
import type { UserService } from '../users/user.service.js';
import type { AccessTokens } from './access-token.js';
import type { AttemptCounter } from '../../rate-limit/redis-limiters.js';
import type { Authenticator } from './authenticator.js';
import { hashToken, newToken, TOKEN_PREFIX } from './credentials.js';
import type { PasswordHasher } from './password.js';
import * as sessions from './session.repository.js';
import { ended, type Forget } from './credential-cache.js';

/** Where a login comes from: kept on the session for the owner's session list. */
export interface ClientInfo {
  ip?: string | undefined;
  userAgent?: string | undefined;
}

export interface SessionOptions {
  /** Also issue a browser session cookie token (and its CSRF token). */
  cookie?: boolean | undefined;
}

/** What a login hands to its transport: the API.md body plus the cookie secret, if any. */
export interface IssuedSession {
  body: AuthResult;
  sessionId: string;
  cookieToken?: string;
}

export interface AuthServiceDeps {
  pool: Pool;
  log: Logger;
  config: Pick<Config, 'allowGuests' | 'refreshTokenTtlDays'>;
  users: UserService;
  passwords: PasswordHasher;
  tokens: AccessTokens;
  attempts: AttemptCounter;
  authenticator: Authenticator;
  /** Told what this node ended, after the commit and before answering (credential-cache.ts). */
  forget?: Forget;
}

const invalidCredentials = () =>
  new AppError('invalid_credentials', 'invalid username or password');

export class AuthService {
  readonly attempts: AttemptCounter;

  constructor(private readonly deps: AuthServiceDeps) {
    this.attempts = deps.attempts;
  }

  /** Bearer credential (JWT or personal API token) → Actor; 401 if invalid, expired or revoked. */
  authenticateToken(token: string): Promise<Actor> {
    return this.deps.authenticator.authenticateToken(token);
  }

  authenticateCookie(token: string): Promise<Actor> {
    return this.deps.authenticator.authenticateCookie(token);
  }

  csrfTokenFor(sessionId: string): string {
    return this.deps.authenticator.csrfTokenFor(sessionId);
  }

  verifyCsrf(sessionId: string, presented: string | undefined): boolean {
    return this.deps.authenticator.verifyCsrf(sessionId, presented);
  }

  async register(
    input: { username: string; password: string; display_name?: string | undefined },
    client: ClientInfo,
    opts: SessionOptions = {},
  ): Promise<IssuedSession> {
    const username = normalizeUsername(input.username);
    await this.attempts.hit(`ip:${client.ip ?? '-'}`, `user:${username}`);
    const password = normalizePassword(input.password);
    const displayName =
      input.display_name === undefined ? username : normalizeDisplayName(input.display_name);
    // Hash before the insert: a taken name costs the same time as a free one.
    const passwordHash = await this.deps.passwords.hash(password);
    const user = await this.deps.users.create({
      username,
      displayName,
      passwordHash,
      role: 'auto',
    });
    return this.#startSession(user, client, opts);
  }

  /** Same answer, same work (one argon2 verify) whether the user exists, is a guest, or not. */
  async login(
    input: { username: string; password: string },
    client: ClientInfo,
    opts: SessionOptions = {},
  ): Promise<IssuedSession> {
    const username = input.username.toLowerCase();
    await this.attempts.hit(`ip:${client.ip ?? '-'}`, `user:${username}`);
    const password = input.password.normalize('NFC');
    const user = await findUserByUsername(this.deps.pool, username);
    const ok = await this.deps.passwords.verify(user?.password_hash, password);
    if (!ok || !user?.password_hash) throw invalidCredentials();
    if (this.deps.passwords.needsRehash(user.password_hash)) {
      await updatePasswordHash(this.deps.pool, user.id, await this.deps.passwords.hash(password));
    }
    return this.#startSession(user, client, opts);
  }

  async guest(
    input: { display_name: string },
    client: ClientInfo,
    opts: SessionOptions = {},
  ): Promise<IssuedSession> {
    if (!this.deps.config.allowGuests) {
      throw new AppError('guests_disabled', 'guest access is disabled on this server');
    }
    await this.attempts.hit(`ip:${client.ip ?? '-'}`);
    const user = await this.deps.users.createGuest(normalizeDisplayName(input.display_name));
    return this.#startSession(user, client, opts);
  }

  async refresh(refreshToken: string, client: ClientInfo): Promise<IssuedSession> {
    if (!refreshToken.startsWith(TOKEN_PREFIX.refresh)) {
      throw new AppError('unauthenticated', 'invalid refresh token');
    }
    const oldHash = hashToken(refreshToken);
    const next = newToken('refresh');
    const outcome = await withTransaction(this.deps.pool, async (tx) => {
      const s = await sessions.lockSessionByRefreshHash(tx, oldHash);
      if (s) {
        if (s.revoked_at || s.expired) return { kind: 'ended' as const };
        await sessions.rotateRefreshToken(tx, {
          sessionId: s.id,
          oldHash,
          newHash: hashToken(next),
          ttlDays: this.deps.config.refreshTokenTtlDays,
          userAgent: truncate(client.userAgent, 512),
        });
        return { kind: 'rotated' as const, sessionId: s.id, userId: s.user_id };
      }
      // Not current: a superseded token of some session means reuse → revoke that session.
      // Committed (not thrown inside the transaction) so the revocation sticks.
      const reused = await sessions.findSessionByPastRefreshHash(tx, oldHash);
      if (reused) {
        await sessions.revokeSession(tx, reused);
        return { kind: 'reused' as const, sessionId: reused };
      }
      return { kind: 'unknown' as const };
    });
    if (outcome.kind === 'reused') this.deps.forget?.(ended.session(outcome.sessionId));
    switch (outcome.kind) {
      case 'rotated': {
        const user = await findUserById(this.deps.pool, outcome.userId);
        if (!user) throw new AppError('unauthenticated', 'the account no longer exists');
        return this.#issue(toUser(user), outcome.sessionId, next);
      }
      case 'reused':
        this.deps.log.warn(
          { session_id: outcome.sessionId },
          'refresh token reuse detected; session revoked',
        );
        throw new AppError(
          'unauthenticated',
          'this refresh token was already used; the session has been revoked for safety',
        );
      case 'ended':
        throw new AppError('unauthenticated', 'the session has ended; log in again');
      case 'unknown':
        throw new AppError('unauthenticated', 'invalid refresh token');
    }
  }

  /**
   * Ends the session behind whichever credential is given. An expired but authentic access
   * token still ends its session; a personal API token has no session (revoke it instead).
   */
  async logout(credential: { bearer?: string; cookie?: string; refresh?: string }): Promise<void> {
    if (credential.bearer !== undefined) {
      if (credential.bearer.startsWith(TOKEN_PREFIX.api)) {
        await this.authenticateToken(credential.bearer); // 401 if invalid; nothing to end
        return;
      }
      const claims = await this.deps.tokens.verify(credential.bearer, { allowExpired: true });
      if (isUuid(claims.sessionId) && isUuid(claims.userId)) {
        await sessions.revokeSession(this.deps.pool, claims.sessionId, claims.userId);
        this.deps.forget?.(ended.session(claims.sessionId));
      }
      return;
    }
    if (credential.cookie !== undefined) {
      const ids = await sessions.revokeSessionByCookie(
        this.deps.pool,
        hashToken(credential.cookie),
      );
      for (const id of ids) this.deps.forget?.(ended.session(id));
      return;
    }
    if (credential.refresh !== undefined) {
      const ids = await sessions.revokeSessionByRefreshHash(
        this.deps.pool,
        hashToken(credential.refresh),
      );
      if (ids.length === 0) throw new AppError('unauthenticated', 'invalid refresh token');
      for (const id of ids) this.deps.forget?.(ended.session(id));
      return;
    }
    throw new AppError('unauthenticated', 'no credential to log out');
  }

  async listSessions(actor: Actor): Promise<Session[]> {
    const rows = await sessions.listActiveSessions(this.deps.pool, actor.id);
    return rows.map((r) => ({
      id: r.id,
      user_agent: r.user_agent,
      ip: r.ip,
      created_at: r.created_at.toISOString(),
      last_used_at: r.last_used_at.toISOString(),
      expires_at: r.expires_at.toISOString(),
      current: r.id === actor.sessionId,
    }));
  }

  /** Revokes one of the caller's own sessions; someone else's is "not found". */
  async revokeSession(actor: Actor, sessionId: string): Promise<void> {
    const done =
      isUuid(sessionId) && (await sessions.revokeSession(this.deps.pool, sessionId, actor.id));
    if (!done) throw notFound('session');
    this.deps.forget?.(ended.session(sessionId));
  }

  async #startSession(
    user: UserRow,
    client: ClientInfo,
    opts: SessionOptions,
  ): Promise<IssuedSession> {
    const refresh = newToken('refresh');
    const cookieToken = opts.cookie ? newToken('cookie') : undefined;
    const sessionId = await sessions.insertSession(this.deps.pool, {
      userId: user.id,
      refreshHash: hashToken(refresh),
      cookieHash: cookieToken === undefined ? undefined : hashToken(cookieToken),
      userAgent: truncate(client.userAgent, 512),
      ip: client.ip,
      ttlDays: this.deps.config.refreshTokenTtlDays,
    });
    const issued = await this.#issue(toUser(user), sessionId, refresh);
    if (cookieToken === undefined) return issued;
    issued.body.csrf_token = this.csrfTokenFor(sessionId);
    return { ...issued, cookieToken };
  }

  async #issue(user: User, sessionId: string, refreshToken: string): Promise<IssuedSession> {
    const accessToken = await this.deps.tokens.sign({ userId: user.id, sessionId });
    return {
      sessionId,
      body: {
        user,
        access_token: accessToken,
        refresh_token: refreshToken,
        expires_in: this.deps.tokens.ttlS,
      },
    };
  }
}

const truncate = (s: string | undefined, max: number): string | undefined =>
  s === undefined ? undefined : [...s].slice(0, max).join('');
