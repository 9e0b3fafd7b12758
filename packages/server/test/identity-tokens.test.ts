import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from './helpers/databases.js';
import { startTestApp, type TestApp } from './helpers/test-app.js';
import { authHeaders, registerGuest, registerUser, type TestUser } from './helpers/users.js';

interface Created {
  id: string;
  name: string;
  token: string;
  created_at: string;
  expires_at: string | null;
}

describe.each(ENGINES)('identity: personal API tokens and sessions (%s PostgreSQL)', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(engine, { apiTokensMaxPerUser: 3 });
  });
  afterAll(() => t.close());

  const call = (method: string, path: string, headers: Record<string, string>, body?: unknown) =>
    fetch(`${t.url}${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const create = async (u: TestUser, body: unknown) => {
    const res = await call('POST', '/api/v1/me/tokens', u.headers, body);
    return { status: res.status, body: (await res.json()) as Created };
  };

  it('creates a token shown once, lists it without its text, and it works as a bearer', async () => {
    const u = await registerUser(t.url);
    const { status, body } = await create(u, { name: 'ci bot', expires_in_days: 7 });
    expect(status).toBe(201);
    expect(body).toMatchObject({ name: 'ci bot', token: expect.stringMatching(/^pat_/) as string });
    const days = (Date.parse(body.expires_at!) - Date.parse(body.created_at)) / 86_400_000;
    expect(Math.round(days)).toBe(7);
    const stored = await t.pool.query<{ token_hash: Buffer }>(
      `SELECT token_hash FROM api_tokens WHERE id = $1`,
      [body.id],
    );
    expect(stored.rows[0]!.token_hash.toString('utf8')).not.toContain(body.token.slice(4, 20));

    const list = await call('GET', '/api/v1/me/tokens', u.headers);
    const { tokens } = (await list.json()) as { tokens: Record<string, unknown>[] };
    expect(tokens).toEqual([
      {
        id: body.id,
        name: 'ci bot',
        created_at: body.created_at,
        expires_at: body.expires_at,
        last_used_at: null,
      },
    ]);
    expect(JSON.stringify(tokens)).not.toContain(body.token);

    const me = await call('GET', '/api/v1/me', authHeaders(body.token));
    expect(me.status).toBe(200);
    expect(await me.json()).toEqual(u.user);
    const after = (await (await call('GET', '/api/v1/me/tokens', u.headers)).json()) as {
      tokens: { last_used_at: string | null }[];
    };
    expect(after.tokens[0]!.last_used_at).not.toBeNull();
  });

  it('revokes: the token stops working; other users get 404; malformed ids 404', async () => {
    const u = await registerUser(t.url);
    const v = await registerUser(t.url);
    const { body } = await create(u, { name: 'temp' });
    expect((await call('DELETE', `/api/v1/me/tokens/${body.id}`, v.headers)).status).toBe(404);
    expect((await call('GET', '/api/v1/me', authHeaders(body.token))).status).toBe(200);
    expect((await call('DELETE', '/api/v1/me/tokens/not-a-uuid', u.headers)).status).toBe(404);
    expect((await call('DELETE', `/api/v1/me/tokens/${body.id}`, u.headers)).status).toBe(204);
    expect((await call('DELETE', `/api/v1/me/tokens/${body.id}`, u.headers)).status).toBe(404);
    const dead = await call('GET', '/api/v1/me', authHeaders(body.token));
    expect(dead.status).toBe(401);
    const list = (await (await call('GET', '/api/v1/me/tokens', u.headers)).json()) as {
      tokens: unknown[];
    };
    expect(list.tokens).toEqual([]);
  });

  it('refuses expired tokens', async () => {
    const u = await registerUser(t.url);
    const { body } = await create(u, { name: 'short', expires_in_days: 1 });
    await t.pool.query(`UPDATE api_tokens SET expires_at = now() - interval '1 s' WHERE id = $1`, [
      body.id,
    ]);
    expect((await call('GET', '/api/v1/me', authHeaders(body.token))).status).toBe(401);
  });

  it('an API token cannot mint tokens or change the password; guests cannot create tokens', async () => {
    const u = await registerUser(t.url);
    const { body } = await create(u, { name: 'bot' });
    const bot = authHeaders(body.token);
    expect((await call('POST', '/api/v1/me/tokens', bot, { name: 'more' })).status).toBe(403);
    const pw = await call('PATCH', '/api/v1/me', bot, {
      password: 'new password 123',
      current_password: u.password,
    });
    expect(pw.status).toBe(403);
    // …but it may read its owner's tokens and revoke itself.
    expect((await call('GET', '/api/v1/me/tokens', bot)).status).toBe(200);
    expect((await call('DELETE', `/api/v1/me/tokens/${body.id}`, bot)).status).toBe(204);
    const g = await registerGuest(t.url);
    const guest = await create(g, { name: 'nope' });
    expect(guest.status).toBe(403);
  });

  it('validates names and expiry; caps active tokens per user', async () => {
    const u = await registerUser(t.url);
    for (const bad of [
      {},
      { name: '' },
      { name: '   ' },
      { name: 'x'.repeat(65) },
      { name: 'a\u0000b' },
      { name: 5 },
      { name: 'ok', expires_in_days: 0 },
      { name: 'ok', expires_in_days: 1.5 },
      { name: 'ok', expires_in_days: '7' },
      { name: 'ok', expires_in_days: 99999 },
    ]) {
      const res = await call('POST', '/api/v1/me/tokens', u.headers, bad);
      expect(res.status, JSON.stringify(bad)).toBe(400);
    }
    for (let i = 0; i < 3; i++) expect((await create(u, { name: `t${i}` })).status).toBe(201);
    const over = await create(u, { name: 'one too many' });
    expect(over.status).toBe(409);
    const n = await t.pool.query(`SELECT 1 FROM api_tokens WHERE user_id = $1`, [u.user.id]);
    expect(n.rowCount).toBe(3);
  });

  it('lists sessions and revokes one (404 for another user’s)', async () => {
    const u = await registerUser(t.url);
    const second = await fetch(`${t.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'Phone/2' },
      body: JSON.stringify({ username: u.username, password: u.password }),
    });
    const phone = (await second.json()) as { access_token: string };
    const res = await call('GET', '/api/v1/me/sessions', u.headers);
    const { sessions } = (await res.json()) as {
      sessions: { id: string; user_agent: string | null; current: boolean; last_used_at: string }[];
    };
    expect(sessions).toHaveLength(2);
    expect(sessions.filter((s) => s.current)).toHaveLength(1);
    const other = sessions.find((s) => !s.current)!;
    expect(other.user_agent).toBe('Phone/2');
    expect(Date.parse(other.last_used_at)).not.toBeNaN();
    const v = await registerUser(t.url);
    expect((await call('DELETE', `/api/v1/me/sessions/${other.id}`, v.headers)).status).toBe(404);
    expect((await call('DELETE', `/api/v1/me/sessions/${other.id}`, u.headers)).status).toBe(204);
    expect((await call('GET', '/api/v1/me', authHeaders(phone.access_token))).status).toBe(401);
    expect((await call('GET', '/api/v1/me', u.headers)).status).toBe(200);
  });
});
