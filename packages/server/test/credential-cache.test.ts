import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildApp } from '../src/app.js';
import { NotificationListener } from '../src/db/notification-listener.js';
import { createPool, type Pool } from '../src/db/pool.js';
import { CredentialCache } from '../src/domain/auth/credential-cache.js';
import type { SessionPrincipal } from '../src/domain/auth/session.repository.js';
import type { App } from '../src/http/types.js';
import { ENGINES } from './helpers/databases.js';
import { startTestApp, type TestApp } from './helpers/test-app.js';
import { registerUser } from './helpers/users.js';

/** The sessions' cache as the app builds it: keyed and named by session id. */
class SessionsCache extends CredentialCache<SessionPrincipal> {
  constructor(max: number, maxAgeMs: number) {
    super(max, maxAgeMs, 's', (_, key) => key);
  }
}

const principal = (over: Partial<SessionPrincipal> = {}): SessionPrincipal => ({
  session_id: 's1',
  user_id: 'u1',
  username: 'ann',
  role: 'member',
  last_used_at: new Date(0),
  expires_at: new Date(10_000),
  ...over,
});

describe('CredentialCache', () => {
  const live = (maxAgeMs = 5_000) => {
    const c = new SessionsCache(100, maxAgeMs);
    c.setLive(true);
    return c;
  };

  it('serves what it remembered until the session expires or the entry is too old', () => {
    const c = live(5_000);
    c.remember(c.ticket(), 's1', principal(), 1_000);
    expect(c.get('s1', 1_001)?.username).toBe('ann');
    expect(c.get('s1', 6_000)).toBeUndefined(); // maxAge: 1,000 + 5,000
    c.remember(c.ticket(), 's1', principal({ expires_at: new Date(2_000) }), 1_000);
    expect(c.get('s1', 1_999)).toBeDefined();
    expect(c.get('s1', 2_000)).toBeUndefined(); // the session's own expiry
  });

  it('forgets a session, a user, or everything, as notifications say', () => {
    const c = live();
    c.remember(c.ticket(), 's1', principal(), 0);
    c.remember(c.ticket(), 's2', principal({ session_id: 's2' }), 0);
    c.remember(c.ticket(), 's3', principal({ session_id: 's3', user_id: 'u2' }), 0);
    c.invalidate('s:S1');
    expect(c.get('s1', 1)).toBeUndefined();
    expect(c.get('s2', 1)).toBeDefined();
    c.invalidate('u:u1');
    expect(c.get('s2', 1)).toBeUndefined();
    expect(c.get('s3', 1)).toBeDefined();
    c.invalidate('*');
    expect(c.size).toBe(0);
  });

  it("keeps tokens by hash, forgets them by id, and ignores the other kind's notifications", () => {
    const tokens = new CredentialCache<{ token_id: string; user_id: string; expires_at: null }>(
      100,
      5_000,
      't',
      (p) => p.token_id,
    );
    tokens.setLive(true);
    const pat = { token_id: 't1', user_id: 'u1', expires_at: null };
    tokens.remember(tokens.ticket(), 'hash-1', pat, 0);
    expect(tokens.get('hash-1', 4_999)).toBe(pat); // no expiry of its own: maxAge bounds it
    tokens.invalidate('s:t1'); // a session that happens to share the id: not this cache's
    expect(tokens.get('hash-1', 1)).toBe(pat);
    tokens.invalidate('t:T1');
    expect(tokens.get('hash-1', 1)).toBeUndefined();
    tokens.remember(tokens.ticket(), 'hash-1', pat, 0);
    tokens.invalidate('u:u1');
    expect(tokens.get('hash-1', 1)).toBeUndefined();
  });

  it('does not store a read that an invalidation overtook', () => {
    const c = live();
    const ticket = c.ticket(); // the database read starts…
    c.invalidate('s:s1'); // …the session is revoked and the notification handled…
    c.remember(ticket, 's1', principal(), 0); // …then the (stale) read comes back
    expect(c.get('s1', 1)).toBeUndefined();
  });

  it('serves nothing while its notification feed is down, and forgets on reconnect', () => {
    const c = live();
    c.remember(c.ticket(), 's1', principal(), 0);
    c.setLive(false);
    expect(c.get('s1', 1)).toBeUndefined();
    c.remember(c.ticket(), 's1', principal(), 0);
    c.setLive(true);
    expect(c.get('s1', 1)).toBeUndefined();
  });

  it('is off with a max age of 0', () => {
    const c = new SessionsCache(100, 0);
    c.setLive(true);
    c.remember(c.ticket(), 's1', principal(), 0);
    expect(c.get('s1', 1)).toBeUndefined();
  });
});

/** A second node on the same database, as behind a load balancer. */
async function secondNode(t: TestApp): Promise<{ url: string; pool: Pool; app: App }> {
  const pool = createPool(t.config.databaseUrl!, 4);
  const app = await buildApp(t.config, { pool, log: pino({ level: 'silent' }) });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}`, pool, app };
}

const listeners = async (pool: Pool) =>
  (
    await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity
       WHERE application_name = 'parley-listener' AND datname = current_database()`,
    )
  ).rows[0]!.n;

describe.each(ENGINES)('cached session checks across nodes (%s PostgreSQL)', (engine) => {
  let a: TestApp;
  let b: Awaited<ReturnType<typeof secondNode>>;
  beforeAll(async () => {
    a = await startTestApp(engine, { sessionCacheS: 60 });
    b = await secondNode(a);
    await vi.waitFor(async () => expect(await listeners(a.pool)).toBe(2), { timeout: 10_000 });
  });
  afterAll(async () => {
    await b.app.close();
    await b.pool.end();
    await a.close();
  });

  const me = (url: string, headers: Record<string, string>) =>
    fetch(`${url}/api/v1/me`, { headers }).then((r) => r.status);
  // Revocation on another node arrives as a notification: a bounded wait far below the cache's
  // 60 s (without the notification the other node would keep answering 200 for a minute).
  const soon = { timeout: 5_000, interval: 20 };

  it('a logout on one node ends the session on the other, which had it cached', async () => {
    const u = await registerUser(a.url);
    expect(await me(b.url, u.headers)).toBe(200);
    expect(await me(b.url, u.headers)).toBe(200); // now from B's cache
    expect(
      (await fetch(`${a.url}/api/v1/auth/logout`, { method: 'POST', headers: u.headers })).status,
    ).toBe(204);
    expect(await me(a.url, u.headers)).toBe(401); // the revoking node: at once
    await vi.waitFor(async () => expect(await me(b.url, u.headers)).toBe(401), soon);
  });

  it('a revocation made outside Parley (SQL, the operator CLI) reaches both nodes', async () => {
    const u = await registerUser(a.url);
    expect(await me(a.url, u.headers)).toBe(200);
    expect(await me(b.url, u.headers)).toBe(200);
    await a.pool.query('UPDATE sessions SET revoked_at = now() WHERE user_id = $1', [u.user.id]);
    await vi.waitFor(async () => expect(await me(a.url, u.headers)).toBe(401), soon);
    await vi.waitFor(async () => expect(await me(b.url, u.headers)).toBe(401), soon);
  });

  it('a personal API token revoked on one node is refused on the other', async () => {
    const u = await registerUser(a.url);
    const created = await fetch(`${a.url}/api/v1/me/tokens`, {
      method: 'POST',
      headers: u.headers,
      body: JSON.stringify({ name: 'bot' }),
    });
    const { id, token } = (await created.json()) as { id: string; token: string };
    const bot = { authorization: `Bearer ${token}` };
    expect(await me(a.url, bot)).toBe(200);
    expect(await me(b.url, bot)).toBe(200);
    expect(await me(b.url, bot)).toBe(200); // now from B's cache
    const revoked = await fetch(`${a.url}/api/v1/me/tokens/${id}`, {
      method: 'DELETE',
      headers: u.headers,
    });
    expect(revoked.status).toBe(204);
    expect(await me(a.url, bot)).toBe(401); // the revoking node: at once
    await vi.waitFor(async () => expect(await me(b.url, bot)).toBe(401), soon);
  });

  it('a deleted user is refused on both nodes', async () => {
    const u = await registerUser(a.url);
    expect(await me(b.url, u.headers)).toBe(200);
    await a.pool.query('DELETE FROM users WHERE id = $1', [u.user.id]);
    await vi.waitFor(async () => expect(await me(b.url, u.headers)).toBe(401), soon);
  });

  it('a node whose feed was cut reconnects, and still sees later revocations', async () => {
    const u = await registerUser(a.url);
    expect(await me(b.url, u.headers)).toBe(200);
    await a.pool.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
       WHERE application_name = 'parley-listener' AND datname = current_database()`,
    );
    await vi.waitFor(async () => expect(await listeners(a.pool)).toBe(2), { timeout: 10_000 });
    expect(await me(b.url, u.headers)).toBe(200);
    await a.pool.query('UPDATE sessions SET revoked_at = now() WHERE user_id = $1', [u.user.id]);
    await vi.waitFor(async () => expect(await me(b.url, u.headers)).toBe(401), soon);
  });
});

describe('NotificationListener', () => {
  it('is live only once a probe sent through another connection has come back', async () => {
    const t = await startTestApp('external', { sessionCacheS: 0 });
    const states: boolean[] = [];
    const make = (ping: (payload: string) => Promise<unknown>) =>
      new NotificationListener({
        connection: t.pool.options,
        channel: 'parley_test_feed',
        ping,
        onMessage: () => undefined,
        onLive: (live) => states.push(live),
        log: pino({ level: 'silent' }),
        probeTimeoutMs: 300,
      });
    // A feed whose notifications never arrive (as through a pooler in transaction mode).
    const deaf = make(async () => undefined);
    deaf.start();
    await new Promise((r) => setTimeout(r, 800));
    expect(states).toEqual([]);
    await deaf.stop();
    const real = make((payload) =>
      t.pool.query('SELECT pg_notify($1, $2)', ['parley_test_feed', payload]),
    );
    real.start();
    await vi.waitFor(() => expect(states).toEqual([true]), { timeout: 5_000 });
    await real.stop();
    expect(states).toEqual([true, false]);
    await t.close();
  });
});
