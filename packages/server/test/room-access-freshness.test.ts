/**
 * A single node answers access checks from memory (domain/rooms/room-view-cache.ts). Whatever a
 * write changes must be seen by the next request, exactly as when every check asked PostgreSQL:
 * each case below first has the view read (so it is cached), then writes, then reads at once.
 * Over the real HTTP API of a real app on real PostgreSQL.
 */
import type { Message, MessagePage, Room } from '@parley/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caller } from './helpers/fixtures.js';
import { startTestApp, type TestApp } from './helpers/test-app.js';
import { registerUser, type TestUser } from './helpers/users.js';

describe('access checks kept in memory on a single node', () => {
  let t: TestApp;
  let call: ReturnType<typeof caller>;
  let alice: TestUser, bob: TestUser, carol: TestUser;
  let n = 0;

  beforeAll(async () => {
    t = await startTestApp('external', { rateLimitSendPerS: 1000, rateLimitSendBurst: 1000 });
    expect(t.config.roomViewCacheS).toBeGreaterThan(0); // the default: on for one node
    call = caller(t.url);
    // One after another: the first user of a database is its admin (alice, who owns the rooms).
    alice = await registerUser(t.url);
    bob = await registerUser(t.url);
    carol = await registerUser(t.url);
  });
  afterAll(() => t.close());

  /** A room of alice's, with `members` added (as plain members). */
  const room = async (visibility: 'public' | 'private', members: TestUser[] = []) => {
    n += 1;
    const made = await call<Room>(alice, 'POST', '/api/v1/rooms', {
      name: `fresh-${n}-${Date.now()}`,
      visibility,
    });
    expect(made.status).toBe(201);
    for (const m of members) {
      const added = await call(alice, 'POST', `/api/v1/rooms/${made.body.id}/members`, {
        user_id: m.user.id,
      });
      expect(added.status).toBe(201);
    }
    return made.body.id;
  };
  /** A send as it is answered, refusals included. */
  const post = (who: TestUser, roomId: string, text: string) =>
    call<Message & { error: { code: string } }>(who, 'POST', `/api/v1/rooms/${roomId}/messages`, {
      text,
    });
  const send = async (who: TestUser, roomId: string, text: string) => {
    const res = await post(who, roomId, text);
    expect(res.status).toBe(201);
    return res.body;
  };
  const history = (who: TestUser, roomId: string) =>
    call<MessagePage>(who, 'GET', `/api/v1/rooms/${roomId}/messages`);

  it('a kicked member cannot read the private room from the next request on', async () => {
    const id = await room('private', [bob]);
    expect((await history(bob, id)).status).toBe(200);
    expect((await call(alice, 'DELETE', `/api/v1/rooms/${id}/members/${bob.user.id}`)).status).toBe(
      204,
    );
    expect((await history(bob, id)).status).toBe(404);
  });

  it('an invited user reads the private room at once, after a 404 just before', async () => {
    const id = await room('private');
    expect((await history(bob, id)).status).toBe(404);
    await call(alice, 'POST', `/api/v1/rooms/${id}/members`, { user_id: bob.user.id });
    expect((await history(bob, id)).status).toBe(200);
  });

  it('one who left a public room can no longer post to it', async () => {
    const id = await room('public', [bob]);
    await send(bob, id, 'still here');
    expect((await call(bob, 'POST', `/api/v1/rooms/${id}/leave`)).status).toBe(204);
    expect((await post(bob, id, 'gone')).status).toBe(403);
  });

  it('history read after a send’s 201 holds the message, on every reader', async () => {
    const id = await room('public', [bob]);
    await send(alice, id, 'first');
    expect((await history(bob, id)).body.messages.map((m) => m.content)).toHaveLength(1);
    const second = await send(alice, id, 'second');
    for (const reader of [alice, bob]) {
      const page = (await history(reader, id)).body;
      expect(page.messages.map((m) => m.id)).toContain(second.id);
    }
    const room2 = await call<Room>(bob, 'GET', `/api/v1/rooms/${id}`);
    expect(room2.body.last_seq).toBe(second.seq);
  });

  it('a rename shows in the history read right after it', async () => {
    const id = await room('public', [bob]);
    await send(carol, id, 'before the rename').catch(() => undefined); // carol is no member
    await call(carol, 'POST', `/api/v1/rooms/${id}/join`);
    await send(carol, id, 'by carol');
    const name = (page: MessagePage) => page.messages.at(-1)?.author.display_name;
    expect(name((await history(bob, id)).body)).toBe(carol.user.display_name);
    const renamed = await call(carol, 'PATCH', '/api/v1/me', { display_name: `Carol ${n}` });
    expect(renamed.status).toBe(200);
    expect(name((await history(bob, id)).body)).toBe(`Carol ${n}`);
  });

  it('a read position shows on the room right after it moved', async () => {
    const id = await room('public', [bob]);
    const m = await send(alice, id, 'unread');
    const before = (await call<Room>(bob, 'GET', `/api/v1/rooms/${id}`)).body;
    expect(before.unread_count).toBe(1);
    expect((await call(bob, 'POST', `/api/v1/rooms/${id}/read`, { seq: m.seq })).status).toBe(200);
    const after = (await call<Room>(bob, 'GET', `/api/v1/rooms/${id}`)).body;
    expect(after).toMatchObject({ last_read_seq: m.seq, unread_count: 0 });
  });

  it('an archived room refuses the next send', async () => {
    const id = await room('public');
    await send(alice, id, 'last words');
    expect((await call(alice, 'DELETE', `/api/v1/rooms/${id}`)).status).toBe(204);
    const refused = await post(alice, id, 'too late');
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('room_archived');
  });

  it('a member made moderator may moderate at once', async () => {
    const id = await room('public', [bob, carol]);
    const carols = await send(carol, id, 'moderate me');
    const denied = await call(bob, 'DELETE', `/api/v1/messages/${carols.id}`);
    expect(denied.status).toBe(403);
    const granted = await call(alice, 'POST', `/api/v1/rooms/${id}/members`, {
      user_id: bob.user.id,
      role: 'moderator',
    });
    expect(granted.status).toBe(200);
    expect((await call(bob, 'DELETE', `/api/v1/messages/${carols.id}`)).status).toBe(204);
  });
});

describe('access checks with the room-view cache off', () => {
  it('see a write made outside the node (here: SQL) at once', async () => {
    const t = await startTestApp('external', { roomViewCacheS: 0 });
    try {
      const call = caller(t.url);
      const [alice, bob] = await Promise.all([registerUser(t.url), registerUser(t.url)]);
      const made = await call<Room>(alice, 'POST', '/api/v1/rooms', {
        name: `outside-${Date.now()}`,
        visibility: 'private',
      });
      await call(alice, 'POST', `/api/v1/rooms/${made.body.id}/members`, { user_id: bob.user.id });
      const path = `/api/v1/rooms/${made.body.id}/messages`;
      expect((await call(bob, 'GET', path)).status).toBe(200);
      await t.pool.query('DELETE FROM room_members WHERE room_id = $1 AND user_id = $2', [
        made.body.id,
        bob.user.id,
      ]);
      expect((await call(bob, 'GET', path)).status).toBe(404);
    } finally {
      await t.close();
    }
  });
});
