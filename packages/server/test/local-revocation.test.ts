/**
 * The node that ends a credential forgets exactly that credential before it answers (the same
 * payload a trigger notifies every node with; credential-cache.ts): each revocation path of the
 * auth, user and token services names what it ended — the cookie and refresh-token logouts by
 * the ids their UPDATE returned — against real PostgreSQL.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiTokenService } from '../src/domain/auth/api-token.service.js';
import type { AuthService } from '../src/domain/auth/auth.service.js';
import { createIdentity, type Identity } from '../src/domain/auth/index.js';
import type { UserService } from '../src/domain/users/user.service.js';
import { ENGINES } from './helpers/databases.js';
import { startTestApp, type TestApp } from './helpers/test-app.js';
import { uniqueUsername } from './helpers/users.js';

describe.each(ENGINES)('local revocations name what they ended (%s PostgreSQL)', (engine) => {
  let t: TestApp;
  const forgotten: string[] = [];
  let identity: Identity | undefined;
  let auth: AuthService;
  let users: UserService;
  let apiTokens: ApiTokenService;

  beforeAll(async () => {
    t = await startTestApp(engine, { sessionCacheS: 0 });
    // The identity services as the app wires them, observed where they forget a credential.
    identity = await createIdentity({
      config: t.config,
      pool: t.pool,
      log: pino({ level: 'silent' }),
      events: { publish: () => undefined },
      onForget: (payload) => void forgotten.push(payload),
    });
    ({ auth, users, apiTokens } = identity);
  });
  afterAll(async () => {
    await identity?.closeIdentity();
    await t.close();
  });

  const password = 'correct horse battery staple';
  const register = () => auth.register({ username: uniqueUsername(), password }, {});
  const forgets = async (run: () => Promise<unknown>) => {
    forgotten.length = 0;
    await run();
    return [...forgotten];
  };

  it('logout by access token, cookie or refresh token, and ending one session', async () => {
    const a = await register();
    expect(await forgets(() => auth.logout({ bearer: a.body.access_token }))).toEqual([
      `s:${a.sessionId}`,
    ]);

    const b = await auth.login({ username: a.body.user.username, password }, {}, { cookie: true });
    expect(await forgets(() => auth.logout({ cookie: b.cookieToken! }))).toEqual([
      `s:${b.sessionId}`,
    ]);

    const c = await auth.login({ username: a.body.user.username, password }, {});
    expect(await forgets(() => auth.logout({ refresh: c.body.refresh_token }))).toEqual([
      `s:${c.sessionId}`,
    ]);

    const d = await auth.login({ username: a.body.user.username, password }, {});
    const actor = await auth.authenticateToken(d.body.access_token);
    const e = await auth.login({ username: a.body.user.username, password }, {});
    expect(await forgets(() => auth.revokeSession(actor, e.sessionId))).toEqual([
      `s:${e.sessionId}`,
    ]);
  });

  it('refresh-token reuse, a password change or reset, and a revoked API token', async () => {
    const a = await register();
    const rotated = await auth.refresh(a.body.refresh_token, {});
    expect(rotated.sessionId).toBe(a.sessionId);
    const reuse = forgets(() => auth.refresh(a.body.refresh_token, {}).catch(() => undefined));
    expect(await reuse).toEqual([`s:${a.sessionId}`]);

    const b = await register();
    const actor = await auth.authenticateToken(b.body.access_token);
    expect(
      await forgets(() =>
        users.updateMe(actor, {
          password: 'another horse battery staple',
          current_password: password,
        }),
      ),
    ).toEqual([`u:${b.body.user.id}`]);
    expect(
      await forgets(() => users.resetPassword(b.body.user.username, 'a third horse battery')),
    ).toEqual([`u:${b.body.user.id}`]);

    const c = await register();
    const owner = await auth.authenticateToken(c.body.access_token);
    const token = await apiTokens.create(owner, { name: 'bot' });
    expect(await forgets(() => apiTokens.revoke(owner, token.id))).toEqual([`t:${token.id}`]);
  });
});
