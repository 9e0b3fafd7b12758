import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AttemptLimiter } from '../src/domain/auth/attempt-limiter.js';
import { ENGINES } from './helpers/databases.js';
import { startTestApp, type TestApp } from './helpers/test-app.js';
import { registerUser, uniqueUsername } from './helpers/users.js';

describe('AttemptLimiter', () => {
  it('allows max attempts per window per key, then says how long to wait', () => {
    let now = 1_000_000;
    const limiter = new AttemptLimiter(2, 60_000, () => now);
    limiter.hit('ip:a', 'user:x');
    limiter.hit('ip:a', 'user:y');
    let caught: unknown;
    try {
      limiter.hit('ip:a', 'user:z');
    } catch (err) {
      caught = err;
    }
    expect(caught).toMatchObject({ code: 'rate_limited', details: { retry_after_s: 60 } });
    // A refused attempt is not counted against the other keys.
    limiter.hit('ip:b', 'user:z');
    now += 30_500;
    expect(() => limiter.hit('ip:a')).toThrow(
      expect.objectContaining({ details: { retry_after_s: 30 } }),
    );
    now += 30_000;
    expect(() => limiter.hit('ip:a')).not.toThrow();
  });
});

describe.each(ENGINES)('auth rate limits (%s PostgreSQL)', (engine) => {
  let t: TestApp;
  const LIMIT = 3;
  beforeAll(async () => {
    // TRUST_PROXY lets the test speak from many IPs through X-Forwarded-For.
    t = await startTestApp(engine, { rateLimitAuthPerMin: LIMIT, trustProxy: true });
  });
  afterAll(() => t.close());

  let ipCounter = 0;
  const freshIp = () => `10.0.${Math.floor(++ipCounter / 250)}.${(ipCounter % 250) + 1}`;
  const post = (path: string, body: unknown, ip: string) =>
    fetch(`${t.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': ip },
      body: JSON.stringify(body),
    });

  it('limits logins per IP (any usernames) with 429 and Retry-After', async () => {
    const ip = freshIp();
    for (let i = 0; i < LIMIT; i++) {
      const res = await post(
        '/api/v1/auth/login',
        { username: uniqueUsername(), password: 'wrong-pass' },
        ip,
      );
      expect(res.status).toBe(401);
    }
    const limited = await post(
      '/api/v1/auth/login',
      { username: uniqueUsername(), password: 'x' },
      ip,
    );
    expect(limited.status).toBe(429);
    expect(await limited.json()).toMatchObject({ error: { code: 'rate_limited' } });
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // Register and guest share the per-IP budget.
    expect((await post('/api/v1/auth/guest', { display_name: 'G' }, ip)).status).toBe(429);
    expect(
      (
        await post(
          '/api/v1/auth/register',
          { username: uniqueUsername(), password: 'long enough' },
          ip,
        )
      ).status,
    ).toBe(429);
    // Another IP is unaffected.
    expect((await post('/api/v1/auth/guest', { display_name: 'G' }, freshIp())).status).toBe(201);
  });

  it('limits logins per username across IPs, even with the right password', async () => {
    const u = await registerUser(t.url); // from 127.0.0.1 (no X-Forwarded-For)
    for (let i = 0; i < LIMIT - 1; i++) {
      const res = await post(
        '/api/v1/auth/login',
        { username: u.username, password: 'wrong-pass' },
        freshIp(),
      );
      expect(res.status).toBe(401);
    }
    const limited = await post(
      '/api/v1/auth/login',
      { username: u.username.toUpperCase(), password: u.password },
      freshIp(),
    );
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    // Other users from the same IPs are fine.
    const v = await registerUser(t.url);
    expect(
      (await post('/api/v1/auth/login', { username: v.username, password: v.password }, freshIp()))
        .status,
    ).toBe(200);
  });

  it('limits registrations of one username per minute', async () => {
    const name = uniqueUsername();
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT + 1; i++) {
      const res = await post(
        '/api/v1/auth/register',
        { username: name, password: 'long enough' },
        freshIp(),
      );
      statuses.push(res.status);
    }
    expect(statuses).toEqual([201, 409, 409, 429]);
  });

  it('limits current-password guesses on PATCH /me per user', async () => {
    const u = await registerUser(t.url);
    const patch = (current: string) =>
      fetch(`${t.url}/api/v1/me`, {
        method: 'PATCH',
        headers: u.headers,
        body: JSON.stringify({ password: 'a new password', current_password: current }),
      });
    for (let i = 0; i < LIMIT; i++) expect((await patch(`guess-${i}`)).status).toBe(400);
    const limited = await patch(u.password);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
  });
});
