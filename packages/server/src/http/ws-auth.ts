/**
 * Credentials of realtime connections (WebSocket and SSE): `Authorization: Bearer`, `?token=`
 * (EventSource and browsers' WebSocket cannot set headers), or the session cookie (checked by
 * http/auth.ts, including the same-origin rule for WebSocket upgrades). A long-lived connection
 * keeps the credential it was opened with and re-checks it every `REALTIME_AUTH_CHECK_S`; when it
 * no longer holds (logout, revoked session or token, expired access token) the transport closes
 * the connection (WebSocket close code 4401), and the client reconnects with a fresh one.
 */
import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import type { Actor } from '../domain/actor.js';
import { AppError } from '../errors.js';
import { authenticateRequest, readCookie, SESSION_COOKIE } from './auth.js';

export type Credential = { kind: 'bearer'; token: string } | { kind: 'cookie'; cookie: string };

export interface Authenticated {
  actor: Actor;
  credential: Credential;
}

type AuthCtx = Pick<AppContext, 'auth' | 'config'>;

/** The caller of a realtime request; undefined when it presented no credential at all. */
export async function authenticateStream(
  ctx: AuthCtx,
  request: FastifyRequest,
): Promise<Authenticated | undefined> {
  const header = request.headers.authorization;
  const query = (request.query as { token?: unknown } | undefined)?.token;
  if (header === undefined && typeof query === 'string' && query !== '') {
    return {
      actor: await ctx.auth.authenticateToken(query),
      credential: { kind: 'bearer', token: query },
    };
  }
  const actor = await authenticateRequest(ctx, request);
  if (!actor) return undefined;
  if (header !== undefined) {
    const token = /^Bearer[ ]+([^\s]+)/i.exec(header)?.[1] ?? '';
    return { actor, credential: { kind: 'bearer', token } };
  }
  return {
    actor,
    credential: { kind: 'cookie', cookie: readCookie(request.headers, SESSION_COOKIE) ?? '' },
  };
}

/** Resolves when the credential still holds; rejects with a 401 `AppError` when it does not. */
export async function recheck(ctx: AuthCtx, credential: Credential): Promise<void> {
  if (credential.kind === 'bearer') await ctx.auth.authenticateToken(credential.token);
  else await ctx.auth.authenticateCookie(credential.cookie);
}

/** A watched connection's credential; `stop()` when the connection closes. */
export interface CredentialWatch {
  stop(): void;
}

/**
 * Re-check `credential` every REALTIME_AUTH_CHECK_S; `onInvalid` runs once when it stops holding.
 * A check that fails for another reason (database unreachable) is not held against the client.
 */
export function watchCredential(
  ctx: AuthCtx,
  credential: Credential,
  onInvalid: (err: AppError) => void,
): CredentialWatch {
  let watcher = watchers.get(ctx.auth);
  if (!watcher) watchers.set(ctx.auth, (watcher = new Watcher(ctx)));
  return watcher.add(credential, onInvalid);
}

/**
 * One timer per app re-checks every open connection's credential, instead of a timer and closure
 * per connection (idle connections are memory-bound). Connections sharing a credential (one
 * user's tabs and devices) cost one check. The timer runs only while something is watched, so an
 * app that closed its connections leaves nothing behind.
 */
class Watcher {
  readonly #watched = new Set<Watched>();
  #timer: NodeJS.Timeout | undefined;

  constructor(private readonly ctx: AuthCtx) {}

  add(credential: Credential, onInvalid: (err: AppError) => void): CredentialWatch {
    const entry = new Watched(this, credential, onInvalid);
    this.#watched.add(entry);
    if (!this.#timer) {
      this.#timer = setInterval(() => this.#sweep(), this.ctx.config.realtimeAuthCheckS * 1000);
      this.#timer.unref();
    }
    return entry;
  }

  remove(entry: Watched): void {
    this.#watched.delete(entry);
    if (this.#watched.size > 0) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #sweep(): void {
    const byCredential = new Map<string, Watched[]>();
    for (const entry of this.#watched) {
      const { kind } = entry.credential;
      const key =
        kind === 'bearer' ? `b:${entry.credential.token}` : `c:${entry.credential.cookie}`;
      const group = byCredential.get(key);
      if (group) group.push(entry);
      else byCredential.set(key, [entry]);
    }
    for (const group of byCredential.values()) {
      recheck(this.ctx, (group[0] as Watched).credential).catch((err: unknown) => {
        if (!(err instanceof AppError) || err.status !== 401) return;
        for (const entry of group) {
          if (!this.#watched.has(entry)) continue; // closed meanwhile
          entry.stop();
          entry.onInvalid(err);
        }
      });
    }
  }
}

class Watched implements CredentialWatch {
  constructor(
    private readonly watcher: Watcher,
    readonly credential: Credential,
    readonly onInvalid: (err: AppError) => void,
  ) {}

  stop(): void {
    this.watcher.remove(this);
  }
}

const watchers = new WeakMap<AuthCtx['auth'], Watcher>();
