/**
 * A node's memory of the credential checks it made recently — login sessions and personal API
 * tokens — so that an authenticated request does not cost a database round trip (on the 2-core
 * bench machine that round trip was a third of a history read's server CPU: docs/PERFORMANCE.md).
 * One instance per kind of credential, both fed by the same notifications.
 *
 * What stays true — a revoked, expired or deleted credential is refused:
 * - on the node that revoked it, from the revoking request's response on: the services that end
 *   sessions or revoke tokens hand the same payload to `invalidate` after committing, before
 *   they answer;
 * - on every other node as soon as PostgreSQL delivers the `parley_auth` notification its
 *   triggers send at commit (migrations 0008 and 0010; a LAN round trip, sub-millisecond here);
 * - at its `expires_at`, which is cached with it and checked on every use;
 * - within `maxAgeMs` whatever happens (defence in depth; SESSION_CACHE_S).
 *
 * The cache serves only while its notification feed is connected and proven (`setLive`): a node
 * whose LISTEN connection is down checks every request in the database, and it forgets
 * everything when the feed comes back (notifications sent meanwhile are lost).
 *
 * The one race — a check reads a credential, the credential is revoked and its notification
 * handled, and only then does the check store what it read — is closed by a generation number:
 * every invalidation bumps it, and `remember` stores nothing read under an older generation.
 */
import { LRUCache } from 'lru-cache';

/** What a cached check must say: whose it is and until when it holds (null: no expiry). */
export interface CachedPrincipal {
  user_id: string;
  expires_at: Date | null;
}

/** The notification payload prefixes (migrations 0008, 0010): `<kind>:<id>`. */
export type CredentialKind = 's' | 't';
const KINDS = new Set(['s', 't', 'u']);

/** Payloads naming what ended, as the triggers write them (the node that ended it says the same). */
export const ended = {
  session: (id: string): string => `s:${id}`,
  token: (id: string): string => `t:${id}`,
  user: (id: string): string => `u:${id}`,
};

/** Forgets what a payload names, in every cache of the node: notifications and local revocations. */
export type Forget = (payload: string) => void;

interface Entry<P> {
  principal: P;
  /** Epoch ms: the credential's expiry and this entry's own deadline (maxAge), whichever is first. */
  until: number;
}

export class CredentialCache<P extends CachedPrincipal> {
  readonly #entries: LRUCache<string, Entry<P>>;
  #generation = 0;
  #live = false;

  /**
   * `kind`: which notifications name this cache's credentials; `idOf`: the id they name a
   * credential by (a session's id is its key; a token is keyed by its hash, named by its id).
   */
  constructor(
    max: number,
    private readonly maxAgeMs: number,
    private readonly kind: CredentialKind,
    private readonly idOf: (principal: P, key: string) => string,
  ) {
    this.#entries = new LRUCache({ max: Math.max(1, max) });
  }

  get enabled(): boolean {
    return this.maxAgeMs > 0;
  }

  /** The active credential cached under `key`, or undefined: not cached, stale, or feed down. */
  get(key: string, now = Date.now()): P | undefined {
    if (!this.#live) return undefined;
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.until <= now) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.principal;
  }

  /** The cached check for `key`, else `fetch`'s answer, remembered unless an invalidation overtook it. */
  async load(key: string, fetch: () => Promise<P | undefined>): Promise<P | undefined> {
    const cached = this.get(key);
    if (cached) return cached;
    const ticket = this.ticket();
    const principal = await fetch();
    if (principal) this.remember(ticket, key, principal);
    return principal;
  }

  /** Taken before a database read; `remember` needs it to know nothing changed meanwhile. */
  ticket(): number {
    return this.#generation;
  }

  remember(ticket: number, key: string, principal: P, now = Date.now()): void {
    if (!this.#live || !this.enabled || ticket !== this.#generation) return;
    const expires = principal.expires_at?.getTime() ?? Number.POSITIVE_INFINITY;
    const until = Math.min(expires, now + this.maxAgeMs);
    if (until > now) this.#entries.set(key, { principal, until });
  }

  /**
   * A `parley_auth` payload: `s:<session id>`, `t:<token id>`, `u:<user id>`; a payload of
   * another form forgets everything.
   */
  invalidate(payload: string): void {
    this.#generation++;
    const colon = payload.indexOf(':');
    const prefix = colon < 0 ? '' : payload.slice(0, colon);
    const id = payload.slice(colon + 1).toLowerCase();
    if (!KINDS.has(prefix)) {
      this.#entries.clear();
      return;
    }
    if (prefix !== this.kind && prefix !== 'u') return; // the other kind's credential
    for (const [key, entry] of this.#entries.entries()) {
      const named = prefix === 'u' ? entry.principal.user_id : this.idOf(entry.principal, key);
      if (named === id) this.#entries.delete(key);
    }
  }

  /** Forget everything (the feed went down or came back). */
  clear(): void {
    this.invalidate('*');
  }

  /** Whether the notification feed is connected and proven; either change forgets everything. */
  setLive(live: boolean): void {
    this.clear();
    this.#live = live;
  }

  get size(): number {
    return this.#entries.size;
  }
}
