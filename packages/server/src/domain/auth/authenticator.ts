/**
 * Turns a presented credential into an `Actor`, transport-agnostic (REST, WebSocket, SSE):
 * - `pat_…` → a personal API token (active: not revoked, not expired);
 * - anything else → a JWT access token, verified, and then its session (`sid`) looked up by
 *   primary key: revoked or expired sessions are refused at once.
 * - `pcs_…` (cookie only) → the browser session holding that cookie.
 *
 * Checks: a session or API token this node checked recently is taken from its
 * `CredentialCache`, which PostgreSQL notifications keep exact across nodes (credential-cache.ts
 * says what stays true); otherwise the database is asked — concurrent requests' session lookups
 * share one statement (db/batch-queue.ts: a lookup never joins a statement already running, so it
 * still sees every revocation committed before the request). `last_used_at` is written at most
 * once a minute per session/token.
 */
import { createHmac } from 'node:crypto';
import type { Pool } from '../../db/pool.js';
import { AppError } from '../../errors.js';
import type { Actor } from '../actor.js';
import { isUuid } from '../ids.js';
import type { AccessTokens } from './access-token.js';
import {
  findActiveApiToken,
  touchApiToken,
  type ApiTokenPrincipal,
} from './api-token.repository.js';
import { hashToken, safeEqual, TOKEN_PREFIX } from './credentials.js';
import { BatchedLookup } from '../../db/batch-queue.js';
import type { CredentialCache } from './credential-cache.js';
import {
  findActiveSessionByCookie,
  findActiveSessions,
  touchSession,
  type SessionPrincipal,
} from './session.repository.js';

const MAX_TOKEN_LENGTH = 4096;
const TOUCH_EVERY_MS = 60_000;

const unauthenticated = (message: string) => new AppError('unauthenticated', message);

export class Authenticator {
  readonly #csrfKey: Buffer;
  readonly #sessions: BatchedLookup<string, SessionPrincipal>;

  constructor(
    private readonly pool: Pool,
    private readonly tokens: AccessTokens,
    secret: string,
    private readonly caches: {
      sessions: CredentialCache<SessionPrincipal>;
      tokens: CredentialCache<ApiTokenPrincipal>;
    },
  ) {
    this.#csrfKey = createHmac('sha256', secret).update('parley csrf v1').digest();
    this.#sessions = new BatchedLookup(
      async (ids) => new Map((await findActiveSessions(pool, ids)).map((p) => [p.session_id, p])),
      (id) => id.toLowerCase(),
    );
  }

  /** A bearer credential: JWT access token or personal API token. */
  async authenticateToken(token: string): Promise<Actor> {
    if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) {
      throw unauthenticated('invalid token');
    }
    if (token.startsWith(TOKEN_PREFIX.api)) {
      const hash = hashToken(token);
      const p = await this.caches.tokens.load(hash.toString('hex'), () =>
        findActiveApiToken(this.pool, hash),
      );
      if (!p) throw unauthenticated('invalid, expired or revoked API token');
      if (!p.last_used_at || Date.now() - p.last_used_at.getTime() > TOUCH_EVERY_MS) {
        await touchApiToken(this.pool, p.token_id);
        p.last_used_at = new Date(); // a cached principal: touch once a minute, not every request
      }
      return { id: p.user_id, username: p.username, role: p.role };
    }
    if (token.startsWith(TOKEN_PREFIX.refresh) || token.startsWith(TOKEN_PREFIX.cookie)) {
      throw unauthenticated('not an access token');
    }
    const claims = await this.tokens.verify(token);
    if (!isUuid(claims.sessionId) || !isUuid(claims.userId)) {
      throw unauthenticated('invalid access token');
    }
    const sessionId = claims.sessionId.toLowerCase();
    const p = await this.caches.sessions.load(sessionId, () => this.#sessions.load(sessionId));
    if (!p || p.user_id !== claims.userId.toLowerCase())
      throw unauthenticated('the session has ended; log in again');
    return this.#sessionActor(p);
  }

  /** The browser session cookie. CSRF is the transport's check (see http/auth.ts). */
  async authenticateCookie(token: string): Promise<Actor> {
    if (!token.startsWith(TOKEN_PREFIX.cookie) || token.length > MAX_TOKEN_LENGTH) {
      throw unauthenticated('invalid session cookie');
    }
    const p = await findActiveSessionByCookie(this.pool, hashToken(token));
    if (!p) throw unauthenticated('the session has ended; log in again');
    return this.#sessionActor(p);
  }

  /**
   * The CSRF token of a session: an HMAC of its id under a server key. It cannot be derived
   * without the key, is stable for the session's life, and needs no storage.
   */
  csrfTokenFor(sessionId: string): string {
    return createHmac('sha256', this.#csrfKey).update(sessionId).digest('base64url');
  }

  verifyCsrf(sessionId: string, presented: string | undefined): boolean {
    return presented !== undefined && safeEqual(presented, this.csrfTokenFor(sessionId));
  }

  async #sessionActor(p: SessionPrincipal): Promise<Actor> {
    if (Date.now() - p.last_used_at.getTime() > TOUCH_EVERY_MS) {
      await touchSession(this.pool, p.session_id);
      p.last_used_at = new Date(); // a cached principal: touch once a minute, not every request
    }
    return { id: p.user_id, username: p.username, role: p.role, sessionId: p.session_id };
  }
}
