import { SignJWT } from 'jose';
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from './helpers/databases.js';
import { startTestApp, type TestApp } from './helpers/test-app.js';
import { authHeaders, registerUser, TEST_PASSWORD, uniqueUsername } from './helpers/users.js';

describe.each(ENGINES)('identity: register, login, refresh, logout (%s PostgreSQL)', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(engine);
  });
  afterAll(() => t.close());

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${t.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${t.url}${path}`, { headers });
  const count = async (sql: string, params: unknown[] = []) =>
    (await t.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${sql}`, params)).rows[0]!.n;

  it('registers: 201 with user and tokens; the first user is admin, the next a member', async () => {
    const name = uniqueUsername('First');
    const res = await post('/api/v1/auth/register', { username: name, password: TEST_PASSWORD });
    expect(res.status).toBe(201);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      user: { username: name.toLowerCase(), display_name: name.toLowerCase(), role: 'admin' },
      access_token: expect.any(String) as string,
      refresh_token: expect.stringMatching(/^prt_/) as string,
      expires_in: 900,
    });
    expect(body).not.toHaveProperty('csrf_token');
    const second = await registerUser(t.url, { display_name: '  Ada  Lovelace ' });
    expect(second.user).toMatchObject({ role: 'member', display_name: 'Ada  Lovelace' });
    expect(second.user.created_at).toMatch(/^\d{4}-\d\d-\d\dT.*Z$/);
  });

  it('puts every new user in #general with a member.joined event', async () => {
    const u = await registerUser(t.url);
    const member = await t.pool.query<{ name: string; role: string }>(
      `SELECT r.name, m.role FROM room_members m JOIN rooms r ON r.id = m.room_id WHERE m.user_id = $1`,
      [u.user.id],
    );
    expect(member.rows).toEqual([{ name: 'general', role: 'member' }]);
    const events = await t.pool.query<{ payload: { user: { id: string }; role: string } }>(
      `SELECT payload FROM events WHERE type = 'member.joined' AND payload->'user'->>'id' = $1`,
      [u.user.id],
    );
    expect(events.rows).toEqual([{ payload: { user: u.user, role: 'member' } }]);
  });

  it('logs in case-insensitively; wrong password and unknown user get the same 401', async () => {
    const u = await registerUser(t.url);
    const ok = await post('/api/v1/auth/login', {
      username: u.username.toUpperCase(),
      password: TEST_PASSWORD,
    });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ user: { id: u.user.id } });
    const wrong = await post('/api/v1/auth/login', { username: u.username, password: 'nope-nope' });
    const unknown = await post('/api/v1/auth/login', {
      username: uniqueUsername(),
      password: 'nope-nope',
    });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(await wrong.json()).toEqual(await unknown.json());
  });

  it('authenticates GET /me with the access token; no token → 401', async () => {
    const u = await registerUser(t.url);
    const me = await get('/api/v1/me', u.headers);
    expect(me.status).toBe(200);
    expect(await me.json()).toEqual(u.user);
    const anon = await get('/api/v1/me');
    expect(anon.status).toBe(401);
    expect(await anon.json()).toMatchObject({ error: { code: 'unauthenticated' } });
    expect((await get('/api/v1/me', { authorization: 'Bearer garbage' })).status).toBe(401);
    expect((await get('/api/v1/me', { authorization: 'Basic abc' })).status).toBe(401);
  });

  it('rejects expired, foreign-signed and alg-confused access tokens', async () => {
    const u = await registerUser(t.url);
    const sid = (
      await t.pool.query<{ id: string }>(`SELECT id FROM sessions WHERE user_id = $1`, [u.user.id])
    ).rows[0]!.id;
    const key = createHmac('sha256', t.config.jwtSecret!).update('parley access token v1').digest();
    const make = (k: Uint8Array, exp: number, extra: { iss?: string; aud?: string } = {}) =>
      new SignJWT({ sid })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(u.user.id)
        .setIssuer(extra.iss ?? 'parley')
        .setAudience(extra.aud ?? 'parley-api')
        .setIssuedAt(exp - 900)
        .setExpirationTime(exp)
        .sign(k);
    const now = Math.floor(Date.now() / 1000);
    const valid = await make(key, now + 60);
    expect((await get('/api/v1/me', authHeaders(valid))).status).toBe(200);
    const expired = await get('/api/v1/me', authHeaders(await make(key, now - 60)));
    expect(expired.status).toBe(401);
    expect(await expired.json()).toMatchObject({ error: { code: 'token_expired' } });
    const foreign = await make(new Uint8Array(32).fill(7), now + 60);
    expect((await get('/api/v1/me', authHeaders(foreign))).status).toBe(401);
    const wrongIss = await make(key, now + 60, { iss: 'evil' });
    expect((await get('/api/v1/me', authHeaders(wrongIss))).status).toBe(401);
    const wrongAud = await make(key, now + 60, { aud: 'other' });
    expect((await get('/api/v1/me', authHeaders(wrongAud))).status).toBe(401);
    const [h, p] = valid.split('.');
    const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${p}.`;
    expect((await get('/api/v1/me', authHeaders(none))).status).toBe(401);
    expect((await get('/api/v1/me', authHeaders(`${h}.${p}.AAAA`))).status).toBe(401);
  });

  it('rotates refresh tokens; reusing an old one revokes the whole session', async () => {
    const u = await registerUser(t.url);
    const r1 = await post('/api/v1/auth/refresh', { refresh_token: u.refresh_token });
    expect(r1.status).toBe(200);
    const b1 = (await r1.json()) as { access_token: string; refresh_token: string };
    expect(b1.refresh_token).not.toBe(u.refresh_token);
    expect((await get('/api/v1/me', authHeaders(b1.access_token))).status).toBe(200);
    // The thief (or a confused client) replays the first token:
    const reuse = await post('/api/v1/auth/refresh', { refresh_token: u.refresh_token });
    expect(reuse.status).toBe(401);
    // …and now every token of that session is dead, including the newest pair.
    expect((await get('/api/v1/me', authHeaders(b1.access_token))).status).toBe(401);
    expect((await get('/api/v1/me', u.headers)).status).toBe(401);
    const r2 = await post('/api/v1/auth/refresh', { refresh_token: b1.refresh_token });
    expect(r2.status).toBe(401);
  });

  it('refuses an expired refresh token', async () => {
    const u = await registerUser(t.url);
    await t.pool.query(
      `UPDATE sessions SET expires_at = now() - interval '1 s' WHERE user_id = $1`,
      [u.user.id],
    );
    expect((await post('/api/v1/auth/refresh', { refresh_token: u.refresh_token })).status).toBe(
      401,
    );
    expect((await get('/api/v1/me', u.headers)).status).toBe(401);
  });

  it('logout: 204, and the session is dead everywhere', async () => {
    const u = await registerUser(t.url);
    const out = await fetch(`${t.url}/api/v1/auth/logout`, { method: 'POST', headers: u.headers });
    expect(out.status).toBe(204);
    expect((await get('/api/v1/me', u.headers)).status).toBe(401);
    expect((await post('/api/v1/auth/refresh', { refresh_token: u.refresh_token })).status).toBe(
      401,
    );
    expect(await count(`sessions WHERE user_id = $1 AND revoked_at IS NULL`, [u.user.id])).toBe(0);
    // Logging out by refresh token alone also works (e.g. the access token was lost).
    const v = await registerUser(t.url);
    expect((await post('/api/v1/auth/logout', { refresh_token: v.refresh_token })).status).toBe(
      204,
    );
    expect((await get('/api/v1/me', v.headers)).status).toBe(401);
    expect((await post('/api/v1/auth/logout', {})).status).toBe(401);
  });
});
