import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from './helpers/databases.js';
import { startTestApp, type TestApp } from './helpers/test-app.js';
import { registerUser, uniqueUsername, type TestUser } from './helpers/users.js';

const SQLISH = ["x' OR '1'='1", 'robert"); DROP TABLE users;--', '1; SELECT pg_sleep(5)'];

describe.each(ENGINES)(
  'identity: bad input gets a 4xx and changes nothing (%s PostgreSQL)',
  (engine) => {
    let t: TestApp;
    let u: TestUser;
    beforeAll(async () => {
      t = await startTestApp(engine);
      u = await registerUser(t.url);
    });
    afterAll(() => t.close());

    const snapshot = async () => {
      const { rows } = await t.pool.query<Record<string, number>>(`SELECT
      (SELECT count(*)::int FROM users) AS users,
      (SELECT count(*)::int FROM sessions) AS sessions,
      (SELECT count(*)::int FROM sessions WHERE revoked_at IS NOT NULL) AS revoked,
      (SELECT count(*)::int FROM api_tokens) AS tokens,
      (SELECT count(*)::int FROM events) AS events,
      (SELECT string_agg(display_name || password_hash, ',' ORDER BY id) FROM users) AS profiles`);
      return rows[0];
    };
    const send = (
      method: string,
      path: string,
      body: string,
      headers: Record<string, string> = {},
    ) =>
      fetch(`${t.url}${path}`, {
        method,
        headers: { 'content-type': 'application/json', ...headers },
        body,
      });

    const cases: [string, string, unknown][] = [
      // register
      ['POST', '/api/v1/auth/register', {}],
      ['POST', '/api/v1/auth/register', { username: 'abc' }],
      ['POST', '/api/v1/auth/register', { password: 'long enough' }],
      ['POST', '/api/v1/auth/register', { username: 123, password: 'long enough' }],
      ['POST', '/api/v1/auth/register', { username: ['abc'], password: 'long enough' }],
      ['POST', '/api/v1/auth/register', { username: 'ab', password: 'long enough' }],
      ['POST', '/api/v1/auth/register', { username: 'a'.repeat(33), password: 'long enough' }],
      ['POST', '/api/v1/auth/register', { username: 'a'.repeat(10_000), password: 'long enough' }],
      ['POST', '/api/v1/auth/register', { username: 'ünïcode', password: 'long enough' }],
      ['POST', '/api/v1/auth/register', { username: 'with space', password: 'long enough' }],
      ['POST', '/api/v1/auth/register', { username: 'nul\u0000byte', password: 'long enough' }],
      ...SQLISH.map((s): [string, string, unknown] => [
        'POST',
        '/api/v1/auth/register',
        { username: s, password: 'long enough' },
      ]),
      ['POST', '/api/v1/auth/register', { username: 'validname', password: 'short' }],
      ['POST', '/api/v1/auth/register', { username: 'validname', password: 'x'.repeat(257) }],
      ['POST', '/api/v1/auth/register', { username: 'validname', password: 12345678 }],
      [
        'POST',
        '/api/v1/auth/register',
        { username: 'validname', password: 'long enough', display_name: '' },
      ],
      [
        'POST',
        '/api/v1/auth/register',
        { username: 'validname', password: 'long enough', display_name: '\u0000' },
      ],
      [
        'POST',
        '/api/v1/auth/register',
        { username: 'validname', password: 'long enough', display_name: 'x'.repeat(65) },
      ],
      [
        'POST',
        '/api/v1/auth/register',
        { username: 'validname', password: 'long enough', display_name: '\ud800' },
      ],
      [
        'POST',
        '/api/v1/auth/register',
        { username: 'validname', password: 'long enough', cookie: 'yes' },
      ],
      ['POST', '/api/v1/auth/register', ['validname', 'long enough']],
      ['POST', '/api/v1/auth/register', null],
      ['POST', '/api/v1/auth/register', 'validname'],
      // login
      ['POST', '/api/v1/auth/login', {}],
      ['POST', '/api/v1/auth/login', { username: 'validname' }],
      ['POST', '/api/v1/auth/login', { username: 'validname', password: '' }],
      ['POST', '/api/v1/auth/login', { username: { $ne: null }, password: 'x' }],
      ['POST', '/api/v1/auth/login', { username: SQLISH[0], password: SQLISH[0] }],
      ['POST', '/api/v1/auth/login', { username: 'validname', password: 'x'.repeat(5000) }],
      // guest
      ['POST', '/api/v1/auth/guest', {}],
      ['POST', '/api/v1/auth/guest', { display_name: '   ' }],
      ['POST', '/api/v1/auth/guest', { display_name: 'x'.repeat(100_00) }],
      // refresh
      ['POST', '/api/v1/auth/refresh', {}],
      ['POST', '/api/v1/auth/refresh', { refresh_token: 42 }],
      ['POST', '/api/v1/auth/refresh', { refresh_token: '' }],
      ['POST', '/api/v1/auth/refresh', { refresh_token: SQLISH[1] }],
      ['POST', '/api/v1/auth/refresh', { refresh_token: 'prt_' + 'a'.repeat(600) }],
      ['POST', '/api/v1/auth/logout', { refresh_token: 'prt_unknown' }],
    ];

    it.each(cases)('%s %s %j', async (method, path, body) => {
      const before = await snapshot();
      const res = await send(method, path, JSON.stringify(body));
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      const err = (await res.json()) as { error: { code: string; message: string } };
      expect(err.error.code).toMatch(/^[a-z_]+$/);
      expect(await snapshot()).toEqual(before);
    });

    it('rejects malformed JSON, wrong content types and oversized bodies without a 5xx', async () => {
      const before = await snapshot();
      expect((await send('POST', '/api/v1/auth/login', '{"username":')).status).toBe(400);
      const form = await send('POST', '/api/v1/auth/login', 'username=a&password=b', {
        'content-type': 'application/x-www-form-urlencoded',
      });
      expect(form.status).toBe(415);
      const huge = await send(
        'POST',
        '/api/v1/auth/register',
        JSON.stringify({ username: 'x'.repeat(70_000) }),
      );
      expect(huge.status).toBe(413);
      const proto = await send(
        'POST',
        '/api/v1/auth/register',
        '{"username":"protouser","password":"long enough","__proto__":{"role":"admin"}}',
      );
      expect(proto.status).toBe(400);
      expect(await snapshot()).toEqual(before);
    });

    it('ignores fields a client may not set (role, id)', async () => {
      const name = uniqueUsername();
      const res = await send(
        'POST',
        '/api/v1/auth/register',
        JSON.stringify({
          username: name,
          password: 'long enough',
          role: 'admin',
          id: '00000000-0000-4000-8000-000000000000',
        }),
      );
      expect(res.status).toBe(201);
      const { user } = (await res.json()) as { user: { id: string; role: string } };
      expect(user.role).toBe('member');
      expect(user.id).not.toBe('00000000-0000-4000-8000-000000000000');
    });

    it('accepts the edges: 3 and 32 char usernames, 8 emoji and 256 char passwords', async () => {
      const edge = uniqueUsername('e').slice(0, 32).padEnd(32, '9');
      for (const [username, password] of [
        [edge, '🎉🎉🎉🎉🎉🎉🎉🎉'],
        [`${edge.slice(-3)}`, 'p'.repeat(256)],
      ] as const) {
        const res = await send(
          'POST',
          '/api/v1/auth/register',
          JSON.stringify({ username, password, display_name: 'Ünïcödé 名前' }),
        );
        expect(res.status, username).toBe(201);
        const login = await send(
          'POST',
          '/api/v1/auth/login',
          JSON.stringify({ username, password }),
        );
        expect(login.status).toBe(200);
      }
    });

    it('authenticated endpoints answer bad input with 4xx and keep state', async () => {
      const before = await snapshot();
      const h = u.headers;
      const bad: [string, string, unknown][] = [
        ['PATCH', '/api/v1/me', { display_name: 5 }],
        ['PATCH', '/api/v1/me', { password: 'new password!' }],
        ['PATCH', '/api/v1/me', { password: 'x'.repeat(300), current_password: u.password }],
        [
          'PATCH',
          '/api/v1/me',
          { display_name: SQLISH[0], password: 'short', current_password: u.password },
        ],
        ['POST', '/api/v1/me/tokens', { name: ['x'] }],
        ['POST', '/api/v1/me/tokens', { name: 'x', expires_in_days: -1 }],
      ];
      for (const [method, path, body] of bad) {
        const res = await send(method, path, JSON.stringify(body), h);
        expect(res.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(400);
      }
      for (const path of [
        '/api/v1/me/tokens/%27%3B--',
        '/api/v1/me/sessions/%27%3B--',
        `/api/v1/me/tokens/${'9'.repeat(150)}`,
      ]) {
        const res = await fetch(`${t.url}${path}`, { method: 'DELETE', headers: h });
        expect([400, 404]).toContain(res.status);
      }
      const weird = await fetch(`${t.url}/api/v1/users?query=${encodeURIComponent(SQLISH[1]!)}`, {
        headers: h,
      });
      expect(weird.status).toBe(200);
      expect(await snapshot()).toEqual(before);
    });
  },
);
