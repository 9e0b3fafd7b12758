/**
 * HTTP authentication: every request gets `request.actor` (undefined when no credential was
 * presented), resolved in this order:
 *   1. `Authorization: Bearer <JWT access token | personal API token>`;
 *   2. the `parley_session` cookie (httpOnly, SameSite=Lax). For unsafe methods (anything but
 *      GET/HEAD/OPTIONS) a cookie-authenticated request must carry `X-CSRF-Token` equal to the
 *      session's CSRF token (an HMAC of the session id, handed out at login in the body and in
 *      the readable `parley_csrf` cookie). A cross-site page can make the browser send the
 *      cookie, but cannot read the token, so it cannot forge the header. WebSocket upgrades
 *      authenticated by cookie must come from our own origin (Cross-Site WebSocket Hijacking).
 * A presented but invalid, expired or revoked credential is a 401, never "anonymous".
 * Routes that manage credentials themselves (login, refresh…) opt out with `config.auth: 'skip'`.
 * See docs/SECURITY.md.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { fastifyCookie } from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import type { Actor } from '../domain/actor.js';
import type { IssuedSession } from '../domain/auth/auth.service.js';
import { AppError, forbidden } from '../errors.js';
import type { App } from './types.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling; undefined when no credential was presented (see http/auth.ts). */
    actor: Actor | undefined;
  }
  interface FastifyContextConfig {
    /** 'skip': the route reads credentials itself (or needs none), e.g. login and refresh. */
    auth?: 'skip';
  }
}

export const SESSION_COOKIE = 'parley_session';
export const CSRF_COOKIE = 'parley_csrf';
export const CSRF_HEADER = 'x-csrf-token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** What authentication needs of a request: Fastify's, or a raw one (WS upgrade, SSE). */
export interface RequestLike {
  method?: string | undefined;
  headers: IncomingHttpHeaders;
}

type AuthContext = Pick<AppContext, 'auth' | 'config'>;

export async function registerAuth(app: App, ctx: AppContext): Promise<void> {
  await app.register(fastifyCookie);
  app.decorateRequest('actor', undefined);
  app.addHook('onRequest', async (request, reply) => {
    if (request.routeOptions.config.auth === 'skip') return;
    try {
      request.actor = await authenticateRequest(ctx, request);
    } catch (err) {
      // A dead session cookie would fail every request until cleared: clear it.
      if (!request.headers.authorization && readCookie(request.headers, SESSION_COOKIE)) {
        if (err instanceof AppError && err.status === 401) clearSessionCookies(reply);
      }
      throw err;
    }
  });
}

/**
 * Resolves the actor of any HTTP request (also a raw WebSocket upgrade or SSE request):
 * undefined when no credential is presented; throws 401 (or 403 for a failed CSRF/origin
 * check) when one is presented and does not hold.
 */
export async function authenticateRequest(
  ctx: AuthContext,
  request: RequestLike,
): Promise<Actor | undefined> {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer[ ]+([^\s]+)[ ]*$/i.exec(header);
    if (!match?.[1]) {
      throw new AppError('unauthenticated', 'Authorization must be "Bearer <token>"');
    }
    return ctx.auth.authenticateToken(match[1]);
  }
  const cookie = readCookie(request.headers, SESSION_COOKIE);
  if (cookie === undefined) return undefined;
  const actor = await ctx.auth.authenticateCookie(cookie);
  const method = (request.method ?? 'GET').toUpperCase();
  if (!SAFE_METHODS.has(method)) {
    const presented = request.headers[CSRF_HEADER];
    if (
      !ctx.auth.verifyCsrf(actor.sessionId!, typeof presented === 'string' ? presented : undefined)
    ) {
      throw forbidden(
        `missing or invalid CSRF token: send the ${CSRF_COOKIE} cookie's value in X-CSRF-Token`,
      );
    }
  }
  if (isWebSocketUpgrade(request.headers) && !sameOrigin(ctx, request.headers)) {
    throw forbidden('cross-origin WebSocket with a session cookie');
  }
  return actor;
}

/** The actor, or a 401 when the request carried no credential. */
export function requireActor(request: FastifyRequest): Actor {
  if (!request.actor) throw new AppError('unauthenticated', 'authentication required');
  return request.actor;
}

export function readCookie(headers: IncomingHttpHeaders, name: string): string | undefined {
  const raw = headers.cookie;
  if (!raw) return undefined;
  const value = fastifyCookie.parse(raw)[name];
  return value === undefined || value === '' ? undefined : value;
}

/** Sets the session and CSRF cookies of a login that asked for them (`cookie: true`). */
export function setSessionCookies(
  ctx: AuthContext,
  request: FastifyRequest,
  reply: FastifyReply,
  issued: IssuedSession,
): void {
  if (issued.cookieToken === undefined || issued.body.csrf_token === undefined) return;
  const secure =
    ctx.config.cookieSecure === 'auto'
      ? request.protocol === 'https'
      : ctx.config.cookieSecure === 'true';
  const common = {
    path: '/',
    sameSite: 'lax' as const,
    secure,
    maxAge: ctx.config.refreshTokenTtlDays * 86_400,
  };
  reply.setCookie(SESSION_COOKIE, issued.cookieToken, { ...common, httpOnly: true });
  // Readable by the page's own scripts on purpose: they echo it in X-CSRF-Token.
  reply.setCookie(CSRF_COOKIE, issued.body.csrf_token, { ...common, httpOnly: false });
}

export function clearSessionCookies(reply: FastifyReply): void {
  reply.clearCookie(SESSION_COOKIE, { path: '/' });
  reply.clearCookie(CSRF_COOKIE, { path: '/' });
}

/** A 429 from the domain carries its wait in `details.retry_after_s`: put it in Retry-After. */
export async function withRetryAfter<T>(reply: FastifyReply, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof AppError && err.code === 'rate_limited') {
      const s = (err.details as { retry_after_s?: number } | undefined)?.retry_after_s;
      if (s !== undefined) reply.header('retry-after', String(s));
    }
    throw err;
  }
}

function isWebSocketUpgrade(headers: IncomingHttpHeaders): boolean {
  return headers.upgrade?.toLowerCase() === 'websocket';
}

/** No Origin (non-browser client) or one naming this host or a configured CORS origin. */
function sameOrigin(ctx: AuthContext, headers: IncomingHttpHeaders): boolean {
  const origin = headers.origin;
  if (origin === undefined) return true;
  if (ctx.config.corsOrigins.includes(origin)) return true;
  try {
    const forwarded = ctx.config.trustProxy ? headers['x-forwarded-host'] : undefined;
    const host = forwarded ?? headers.host;
    return new URL(origin).host === (Array.isArray(host) ? host[0] : host);
  } catch {
    return false;
  }
}
