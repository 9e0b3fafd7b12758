/**
 * A node's memory of the session checks it made recently, so that an authenticated request does
 * not cost a database round trip (on the 2-core bench machine that round trip was a third of a
 * history read's server CPU: docs/PERFORMANCE.md).
 *
 * What stays true — a revoked, expired or deleted session is refused:
 * - on the node that revoked it, from the revoking request's response on: the services that end
 *   sessions call `clear()` after committing, before they answer;
 * - on every other node as soon as PostgreSQL delivers the `parley_auth` notification its
 *   triggers send at commit (migration 0008; a LAN round trip, sub-millisecond here);
 * - at its `expires_at`, which is cached with the session and checked on every use;
 * - within `maxAgeMs` whatever happens (defence in depth; SESSION_CACHE_S).
 *
 * The cache serves only while its notification feed is connected (`setLive`): a node whose
 * LISTEN connection is down checks every request in the database, and it forgets everything
 * when the feed comes back (notifications sent meanwhile are lost).
 *
 * The one race — a check reads a session, the session is revoked and its notification handled,
 * and only then does the check store what it read — is closed by a generation number: every
 * invalidation bumps it, and `remember` stores nothing read under an older generation.
 */
import { LRUCache } from 'lru-cache';
import type { SessionPrincipal } from './session.repository.js';

interface Entry {
  principal: SessionPrincipal;
  /** Epoch ms: the session's expiry and this entry's own deadline (maxAge), whichever is first. */
  until: number;
}

export class SessionCache {
  readonly #entries: LRUCache<string, Entry>;
  #generation = 0;
  #live = false;

  constructor(
    max: number,
    private readonly maxAgeMs: number,
  ) {
    this.#entries = new LRUCache({ max: Math.max(1, max) });
  }

  get enabled(): boolean {
    return this.maxAgeMs > 0;
  }

  /** The active session `sessionId`, or undefined: not cached, stale, or the feed is down. */
  get(sessionId: string, now = Date.now()): SessionPrincipal | undefined {
    if (!this.#live) return undefined;
    const entry = this.#entries.get(sessionId);
    if (!entry) return undefined;
    if (entry.until <= now) {
      this.#entries.delete(sessionId);
      return undefined;
    }
    return entry.principal;
  }

  /** Taken before a database read; `remember` needs it to know nothing changed meanwhile. */
  ticket(): number {
    return this.#generation;
  }

  remember(ticket: number, principal: SessionPrincipal, now = Date.now()): void {
    if (!this.#live || !this.enabled || ticket !== this.#generation) return;
    const until = Math.min(principal.expires_at.getTime(), now + this.maxAgeMs);
    if (until > now) this.#entries.set(principal.session_id, { principal, until });
  }

  /** A `parley_auth` payload: `s:<session id>`, `u:<user id>`, or anything else (forget all). */
  invalidate(payload: string): void {
    this.#generation++;
    if (payload.startsWith('s:')) {
      this.#entries.delete(payload.slice(2).toLowerCase());
    } else if (payload.startsWith('u:')) {
      const userId = payload.slice(2).toLowerCase();
      for (const [id, entry] of this.#entries.entries())
        if (entry.principal.user_id === userId) this.#entries.delete(id);
    } else {
      this.#entries.clear();
    }
  }

  /** Forget everything (a session was ended on this node; the feed reconnected). */
  clear(): void {
    this.invalidate('*');
  }

  /** Whether the notification feed is connected; either change forgets everything. */
  setLive(live: boolean): void {
    this.clear();
    this.#live = live;
  }

  get size(): number {
    return this.#entries.size;
  }
}
