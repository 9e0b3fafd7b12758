import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIdentity } from '../src/domain/auth/index.js';
import { authenticateRequest } from '../src/http/auth.js';
import { ENGINES } from './helpers/databases.js';
import { startTestApp, type TestApp } from './helpers/test-app.js';
import { registerUser, TEST_PASSWORD } from './helpers/users.js';

interface CookieLogin {
  cookie: string;
  csrf: string;
  setCookie: string[];
  userId: string;
}

describe.each(ENGINES)('identity: browser sessions, cookies and CSRF (%s PostgreSQL)', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(engine);
  });
  afterAll(() => t.close());

  async function cookieLogin(): Promise<CookieLogin> {
    const u = await registerUser(t.url);
    const res = await fetch(`${t.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'TestBrowser/1.0' },
      body: JSON.stringify({ username: u.username, password: TEST_PASSWORD, cookie: true }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { csrf_token: string; user: { id: string } };
    const setCookie = res.headers.getSetCookie();
    const pairs = setCookie.map((c) => c.split(';')[0]!);
    return { cookie: pairs.join('; '), csrf: body.csrf_token, setCookie, userId: body.user.id };
  }

  it('sets an httpOnly SameSite=Lax session cookie and a readable CSRF cookie on request', async () => {
    const s = await cookieLogin();
    const session = s.setCookie.find((c) => c.startsWith('parley_session='))!;
    const csrf = s.setCookie.find((c) => c.startsWith('parley_csrf='))!;
    expect(session).toMatch(/HttpOnly/i);
    expect(session).toMatch(/SameSite=Lax/i);
    expect(session).toMatch(/Path=\//);
    expect(session).not.toMatch(/Secure/i); // plain http here; Secure behind TLS
    expect(csrf).not.toMatch(/HttpOnly/i);
    expect(csrf).toContain(`parley_csrf=${s.csrf}`);
    // Without "cookie": true no cookie is set.
    const u = await registerUser(t.url);
    const plain = await fetch(`${t.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: u.username, password: TEST_PASSWORD }),
    });
    expect(plain.headers.getSetCookie()).toEqual([]);
  });

  it('marks the cookie Secure when the request came over TLS (behind a trusted proxy)', async () => {
    const other = await startTestApp(engine, { trustProxy: true });
    try {
      const u = await registerUser(other.url);
      const res = await fetch(`${other.url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-proto': 'https' },
        body: JSON.stringify({ username: u.username, password: TEST_PASSWORD, cookie: true }),
      });
      expect(res.headers.getSetCookie().every((c) => /;\s*Secure/i.test(c))).toBe(true);
    } finally {
      await other.close();
    }
  });

  it('authenticates safe requests by cookie alone; unsafe ones need X-CSRF-Token', async () => {
    const s = await cookieLogin();
    const me = await fetch(`${t.url}/api/v1/me`, { headers: { cookie: s.cookie } });
    expect(me.status).toBe(200);
    const patch = (headers: Record<string, string>) =>
      fetch(`${t.url}/api/v1/me`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json', cookie: s.cookie, ...headers },
        body: JSON.stringify({ display_name: 'Via Cookie' }),
      });
    const noToken = await patch({});
    expect(noToken.status).toBe(403);
    expect(await noToken.json()).toMatchObject({ error: { code: 'forbidden' } });
    expect((await patch({ 'x-csrf-token': 'forged' })).status).toBe(403);
    // Another session's token does not fit this one.
    const other = await cookieLogin();
    expect((await patch({ 'x-csrf-token': other.csrf })).status).toBe(403);
    const row = await t.pool.query(`SELECT display_name FROM users WHERE id = $1`, [s.userId]);
    expect(row.rows[0]).not.toEqual({ display_name: 'Via Cookie' });
    const ok = await patch({ 'x-csrf-token': s.csrf });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ display_name: 'Via Cookie' });
  });

  it('lists the session with its user agent; logout by cookie revokes it and clears cookies', async () => {
    const s = await cookieLogin();
    const list = await fetch(`${t.url}/api/v1/me/sessions`, { headers: { cookie: s.cookie } });
    const { sessions } = (await list.json()) as {
      sessions: { user_agent: string; current: boolean; last_used_at: string }[];
    };
    expect(sessions.find((x) => x.current)).toMatchObject({ user_agent: 'TestBrowser/1.0' });
    const noCsrf = await fetch(`${t.url}/api/v1/auth/logout`, {
      method: 'POST',
      headers: { cookie: s.cookie },
    });
    expect(noCsrf.status).toBe(403);
    const out = await fetch(`${t.url}/api/v1/auth/logout`, {
      method: 'POST',
      headers: { cookie: s.cookie, 'x-csrf-token': s.csrf },
    });
    expect(out.status).toBe(204);
    expect(out.headers.getSetCookie().join()).toMatch(/parley_session=;/);
    const after = await fetch(`${t.url}/api/v1/me`, { headers: { cookie: s.cookie } });
    expect(after.status).toBe(401);
    expect(after.headers.getSetCookie().join()).toMatch(/parley_session=;/);
  });

  it('a bearer token wins over a cookie, and needs no CSRF token', async () => {
    const s = await cookieLogin();
    const u = await registerUser(t.url);
    const res = await fetch(`${t.url}/api/v1/me`, {
      method: 'PATCH',
      headers: { ...u.headers, cookie: s.cookie },
      body: JSON.stringify({ display_name: 'Bearer Wins' }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: u.user.id, display_name: 'Bearer Wins' });
  });

  it('authenticateRequest serves raw requests (WebSocket upgrade, SSE) with origin checks', async () => {
    const s = await cookieLogin();
    // The same services the app built (same database, same secret), as a transport would get them.
    const { auth, closeIdentity } = await createIdentity({
      config: t.config,
      pool: t.pool,
      log: pino({ level: 'silent' }),
      events: { publish: () => undefined },
    });
    const ctx = { auth, config: t.config };
    const host = new URL(t.url).host;
    const base = { cookie: s.cookie, host, upgrade: 'websocket', connection: 'upgrade' };
    const actor = await authenticateRequest(ctx, { method: 'GET', headers: base });
    expect(actor).toMatchObject({ id: s.userId, sessionId: expect.any(String) as string });
    expect(
      await authenticateRequest(ctx, {
        method: 'GET',
        headers: { ...base, origin: `http://${host}` },
      }),
    ).toMatchObject({ id: s.userId });
    await expect(
      authenticateRequest(ctx, {
        method: 'GET',
        headers: { ...base, origin: 'https://evil.example' },
      }),
    ).rejects.toMatchObject({ code: 'forbidden' });
    expect(await authenticateRequest(ctx, { method: 'GET', headers: {} })).toBeUndefined();
    await expect(
      authenticateRequest(ctx, { method: 'GET', headers: { cookie: 'parley_session=pcs_nope' } }),
    ).rejects.toMatchObject({ code: 'unauthenticated' });
    await closeIdentity();
  });
});
