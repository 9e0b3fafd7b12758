import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from './helpers/databases.js';
import { startTestApp, type TestApp } from './helpers/test-app.js';
import { authHeaders, registerGuest, registerUser, uniqueUsername } from './helpers/users.js';

describe.each(ENGINES)('identity: profiles, /me and guests (%s PostgreSQL)', (engine) => {
  let t: TestApp;
  const adminName = uniqueUsername('boss');
  beforeAll(async () => {
    t = await startTestApp(engine, { adminUsername: adminName });
  });
  afterAll(() => t.close());

  const call = (method: string, path: string, headers: Record<string, string>, body?: unknown) =>
    fetch(`${t.url}${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  it('makes ADMIN_USERNAME an admin even when not first', async () => {
    await registerUser(t.url); // the first user: admin anyway
    const second = await registerUser(t.url);
    expect(second.user.role).toBe('member');
    const boss = await registerUser(t.url, { username: adminName.toUpperCase() });
    expect(boss.user).toMatchObject({ username: adminName, role: 'admin' });
  });

  it('answers 409 username_taken case-insensitively, changing nothing', async () => {
    const u = await registerUser(t.url);
    const res = await call(
      'POST',
      '/api/v1/auth/register',
      { 'content-type': 'application/json' },
      {
        username: u.username.toUpperCase(),
        password: 'another password',
      },
    );
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ error: { code: 'username_taken' } });
    const n = await t.pool.query(`SELECT 1 FROM users WHERE username = $1`, [u.username]);
    expect(n.rowCount).toBe(1);
  });

  it('GET /users/:id: 200 profile, 404 unknown, 400 malformed, 401 anonymous', async () => {
    const u = await registerUser(t.url);
    const v = await registerUser(t.url, { display_name: 'Vera' });
    const ok = await call('GET', `/api/v1/users/${v.user.id}`, u.headers);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual(v.user);
    const unknown = await call(
      'GET',
      '/api/v1/users/00000000-0000-4000-8000-000000000000',
      u.headers,
    );
    expect(unknown.status).toBe(404);
    for (const bad of ['nope', "1'%20OR%20'1'='1", '00000000-0000-4000-8000-00000000000g']) {
      const res = await call('GET', `/api/v1/users/${bad}`, u.headers);
      expect(res.status, bad).toBe(400);
    }
    expect((await call('GET', `/api/v1/users/${v.user.id}`, {})).status).toBe(401);
  });

  it('GET /users searches username prefix and display-name substring, with limits', async () => {
    const tag = uniqueUsername('zq')
      .replace(/[^a-z0-9]/g, '')
      .slice(0, 10);
    const a = await registerUser(t.url, { username: `${tag}_alpha`, display_name: 'Alpha One' });
    const b = await registerUser(t.url, { username: `${tag}_beta`, display_name: `Xx ${tag} Yy` });
    await registerUser(t.url, { username: `${tag}_gamma` });
    const search = async (q: string, extra = '') => {
      const res = await call(
        'GET',
        `/api/v1/users?query=${encodeURIComponent(q)}${extra}`,
        a.headers,
      );
      expect(res.status).toBe(200);
      return ((await res.json()) as { users: { id: string; username: string }[] }).users;
    };
    expect((await search(tag.toUpperCase())).map((x) => x.username)).toEqual([
      `${tag}_alpha`,
      `${tag}_beta`,
      `${tag}_gamma`,
    ]);
    expect((await search(`${tag}_b`)).map((x) => x.id)).toEqual([b.user.id]);
    expect((await search('lpha on')).map((x) => x.id)).toContain(a.user.id);
    expect(await search(tag, '&limit=2')).toHaveLength(2);
    expect(await search('%')).toEqual([]); // LIKE wildcards are literal
    expect(await search('_')).toEqual(expect.any(Array));
    const all = await call('GET', '/api/v1/users', a.headers);
    expect(((await all.json()) as { users: unknown[] }).users.length).toBeLessThanOrEqual(20);
    for (const bad of [
      'limit=0',
      'limit=101',
      'limit=abc',
      `query=${'x'.repeat(65)}`,
      'query=%00',
    ]) {
      expect((await call('GET', `/api/v1/users?${bad}`, a.headers)).status, bad).toBe(400);
    }
    expect((await call('GET', '/api/v1/users', {})).status).toBe(401);
  });

  it('PATCH /me changes the display name (trimmed) and rejects control characters', async () => {
    const u = await registerUser(t.url);
    const ok = await call('PATCH', '/api/v1/me', u.headers, { display_name: '  Zoë 🎉 ' });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ display_name: 'Zoë 🎉' });
    for (const bad of ['', '   ', 'a\nb', 'x\u202Ey', 'y'.repeat(65), 7, null]) {
      const res = await call('PATCH', '/api/v1/me', u.headers, { display_name: bad });
      expect(res.status, JSON.stringify(bad)).toBe(400);
    }
    expect(await (await call('GET', '/api/v1/me', u.headers)).json()).toMatchObject({
      display_name: 'Zoë 🎉',
    });
  });

  it('PATCH /me password: needs the current one, ends other sessions, keeps this one', async () => {
    const u = await registerUser(t.url);
    const other = await call(
      'POST',
      '/api/v1/auth/login',
      { 'content-type': 'application/json' },
      {
        username: u.username,
        password: u.password,
      },
    );
    const otherTokens = (await other.json()) as { access_token: string; refresh_token: string };
    const missing = await call('PATCH', '/api/v1/me', u.headers, { password: 'brand new pass' });
    expect(missing.status).toBe(400);
    const wrong = await call('PATCH', '/api/v1/me', u.headers, {
      password: 'brand new pass',
      current_password: 'not my password',
    });
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toMatchObject({
      error: { details: [{ field: 'current_password' }] },
    });
    const short = await call('PATCH', '/api/v1/me', u.headers, {
      password: 'short',
      current_password: u.password,
    });
    expect(short.status).toBe(400);
    const ok = await call('PATCH', '/api/v1/me', u.headers, {
      password: 'brand new pass',
      current_password: u.password,
    });
    expect(ok.status).toBe(200);
    expect((await call('GET', '/api/v1/me', u.headers)).status).toBe(200);
    expect((await call('GET', '/api/v1/me', authHeaders(otherTokens.access_token))).status).toBe(
      401,
    );
    const refresh = await call(
      'POST',
      '/api/v1/auth/refresh',
      { 'content-type': 'application/json' },
      {
        refresh_token: otherTokens.refresh_token,
      },
    );
    expect(refresh.status).toBe(401);
    const login = (password: string) =>
      call(
        'POST',
        '/api/v1/auth/login',
        { 'content-type': 'application/json' },
        {
          username: u.username,
          password,
        },
      );
    expect((await login(u.password)).status).toBe(401);
    expect((await login('brand new pass')).status).toBe(200);
  });

  it('guests: generated username, role guest, in #general, cannot log in or change password', async () => {
    const g = await registerGuest(t.url, '  Visitor  ');
    expect(g.user).toMatchObject({ role: 'guest', display_name: 'Visitor' });
    expect(g.user.username).toMatch(/^guest-[a-z0-9]{6,}$/);
    expect((await call('GET', '/api/v1/me', g.headers)).status).toBe(200);
    const member = await t.pool.query(
      `SELECT 1 FROM room_members m JOIN rooms r ON r.id = m.room_id
       WHERE r.name = 'general' AND m.user_id = $1`,
      [g.user.id],
    );
    expect(member.rowCount).toBe(1);
    for (const password of ['', 'anything at all']) {
      const res = await call(
        'POST',
        '/api/v1/auth/login',
        { 'content-type': 'application/json' },
        {
          username: g.username,
          password: password || 'x',
        },
      );
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error: { code: 'invalid_credentials' } });
    }
    const pw = await call('PATCH', '/api/v1/me', g.headers, {
      password: 'let me in please',
      current_password: 'whatever',
    });
    expect(pw.status).toBe(403);
    // Guests refresh like anyone else.
    const r = await call(
      'POST',
      '/api/v1/auth/refresh',
      { 'content-type': 'application/json' },
      {
        refresh_token: g.refresh_token,
      },
    );
    expect(r.status).toBe(200);
    for (const bad of [
      {},
      { display_name: '' },
      { display_name: 'a\u0007' },
      { display_name: 1 },
    ]) {
      const res = await call(
        'POST',
        '/api/v1/auth/guest',
        { 'content-type': 'application/json' },
        bad,
      );
      expect(res.status, JSON.stringify(bad)).toBe(400);
    }
  });

  it('concurrent first registrations make exactly one admin', async () => {
    const fresh = await startTestApp(engine);
    try {
      // A guest first does not count as "the first registered user".
      await registerGuest(fresh.url);
      const users = await Promise.all(Array.from({ length: 6 }, () => registerUser(fresh.url)));
      expect(users.filter((x) => x.user.role === 'admin')).toHaveLength(1);
    } finally {
      await fresh.close();
    }
  });

  it('guests disabled → 403 guests_disabled, nothing created', async () => {
    const off = await startTestApp(engine, { allowGuests: false });
    try {
      const res = await fetch(`${off.url}/api/v1/auth/guest`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ display_name: 'Nope' }),
      });
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({ error: { code: 'guests_disabled' } });
      expect((await off.pool.query('SELECT 1 FROM users')).rowCount).toBe(0);
    } finally {
      await off.close();
    }
  });
});
