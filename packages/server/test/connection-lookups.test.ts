/**
 * Connections that arrive together share their lookups — the rooms they follow
 * (realtime/membership.ts) and the profile their `ready` frame carries (UserService.get) — and
 * each still gets its own answer, as of when it asked: real PostgreSQL, the real queries.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pool } from '../src/db/pool.js';
import { AttemptLimiter } from '../src/domain/auth/attempt-limiter.js';
import { createPasswordHasher } from '../src/domain/auth/index.js';
import { UserService } from '../src/domain/users/user.service.js';
import type { Hub } from '../src/realtime/hub.js';
import { eventLogReader, type EventLogReader } from '../src/realtime/log.repository.js';
import { Membership } from '../src/realtime/membership.js';
import { caller } from './helpers/fixtures.js';
import { startTestApp, type TestApp } from './helpers/test-app.js';
import { generalRoomId, registerUser, type TestUser } from './helpers/users.js';

describe('Membership.roomsOf', () => {
  let t: TestApp;
  let users: TestUser[];
  let general: string;

  beforeAll(async () => {
    t = await startTestApp('external');
    users = await Promise.all(Array.from({ length: 5 }, () => registerUser(t.url)));
    general = await generalRoomId(t.url, users[0]!);
  });
  afterAll(() => t.close());

  /** The real reader, counting its memberships queries. */
  const counting = () => {
    const real = eventLogReader(t.pool);
    const calls: string[][] = [];
    const reader: EventLogReader = {
      ...real,
      memberships: (userIds) => {
        calls.push([...userIds]);
        return real.memberships(userIds);
      },
    };
    // roomsOf never touches the hub (it only follows joins and leaves).
    return { membership: new Membership({} as Hub, reader, pino({ level: 'silent' })), calls };
  };

  it('answers concurrent calls from shared queries, each with its own rooms', async () => {
    const call = caller(t.url);
    const own = await call<{ id: string }>(users[0]!, 'POST', '/api/v1/rooms', {
      name: `own-${Date.now()}`,
      visibility: 'private',
    });
    expect(own.status).toBe(201);
    const { membership, calls } = counting();
    const rooms = await Promise.all(users.map((u) => membership.roomsOf(u.user.id)));
    // The first call goes at once; the four made meanwhile form the next statement.
    expect(calls.map((c) => c.length)).toEqual([1, 4]);
    expect(rooms[0]!.sort()).toEqual([general, own.body.id].sort());
    for (const r of rooms.slice(1)) expect(r).toEqual([general]);
    expect(await membership.roomsOf('00000000-0000-4000-8000-000000000000')).toEqual([]);
  });

  it('sees a membership committed before the call', async () => {
    const { membership } = counting();
    const call = caller(t.url);
    const room = await call<{ id: string }>(users[1]!, 'POST', '/api/v1/rooms', {
      name: `late-${Date.now()}`,
      visibility: 'public',
    });
    const before = membership.roomsOf(users[2]!.user.id);
    expect(await before).toEqual([general]);
    await call(users[2]!, 'POST', `/api/v1/rooms/${room.body.id}/join`);
    expect((await membership.roomsOf(users[2]!.user.id)).sort()).toEqual(
      [general, room.body.id].sort(),
    );
  });
});

describe('UserService.get', () => {
  let t: TestApp;
  let users: TestUser[];

  beforeAll(async () => {
    t = await startTestApp('external');
    users = await Promise.all(Array.from({ length: 5 }, () => registerUser(t.url)));
  });
  afterAll(() => t.close());

  /** The service on the app's pool, counting the statements it sends. */
  const counting = () => {
    let statements = 0;
    const pool = new Proxy(t.pool, {
      get(target, prop) {
        if (prop === 'query')
          return (...args: Parameters<Pool['query']>) => {
            statements++;
            return (target.query as (...a: unknown[]) => unknown)(...args);
          };
        const value: unknown = Reflect.get(target, prop);
        return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
      },
    });
    const service = new UserService({
      pool,
      events: { publish: () => undefined },
      passwords: createPasswordHasher(t.config),
      attempts: new AttemptLimiter(1_000),
      config: t.config,
    });
    return { service, statements: () => statements };
  };

  it('answers concurrent reads from shared statements, each with its own profile', async () => {
    const { service, statements } = counting();
    const actor = {
      id: users[0]!.user.id,
      username: users[0]!.user.username,
      role: 'member' as const,
    };
    const profiles = await Promise.all(users.map((u) => service.get(actor, u.user.id)));
    // The first read goes at once; the four made meanwhile form the next statement.
    expect(statements()).toBe(2);
    expect(profiles.map((p) => p.id)).toEqual(users.map((u) => u.user.id));
    expect(profiles.map((p) => p.username)).toEqual(users.map((u) => u.user.username));
    await expect(service.get(actor, '00000000-0000-4000-8000-000000000000')).rejects.toMatchObject({
      code: 'not_found',
    });
  });

  it('sees a rename committed before the call', async () => {
    const { service } = counting();
    const call = caller(t.url);
    const actor = {
      id: users[1]!.user.id,
      username: users[1]!.user.username,
      role: 'member' as const,
    };
    const res = await call(users[1]!, 'PATCH', '/api/v1/me', { display_name: 'Renamed Just Now' });
    expect(res.status).toBe(200);
    expect((await service.get(actor, users[1]!.user.id)).display_name).toBe('Renamed Just Now');
  });
});
