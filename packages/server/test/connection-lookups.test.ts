/**
 * Connections that arrive together share one memberships query (realtime/membership.ts), and
 * each still gets its own user's rooms, as of when it asked: real PostgreSQL, the real reader.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
