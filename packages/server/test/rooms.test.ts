/**
 * Rooms over HTTP (API.md "Rooms"): channels, dms, membership and roles, archive — and above all
 * who may see and do what (IDOR: private rooms and dms are invisible to non-members).
 */
import type { Member, Room } from '@parley/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from './helpers/databases.js';
import { caller } from './helpers/fixtures.js';
import { startTestApp, type TestApp } from './helpers/test-app.js';
import { registerGuest, registerUser, type TestUser } from './helpers/users.js';

interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

describe.each(ENGINES)('rooms over HTTP (%s PostgreSQL)', (engine) => {
  let t: TestApp;
  let call: ReturnType<typeof caller>;
  let admin: TestUser, alice: TestUser, bob: TestUser, carol: TestUser, guest: TestUser;

  beforeAll(async () => {
    t = await startTestApp(engine);
    call = caller(t.url);
    admin = await registerUser(t.url); // the first user is the admin
    [alice, bob, carol] = await Promise.all([
      registerUser(t.url),
      registerUser(t.url),
      registerUser(t.url),
    ]);
    guest = await registerGuest(t.url, 'Visitor');
  });
  afterAll(() => t.close());

  const create = async (user: TestUser, name: string, visibility = 'public', topic?: string) => {
    const res = await call<Room>(user, 'POST', '/api/v1/rooms', { name, visibility, topic });
    expect(res.status).toBe(201);
    return res.body;
  };
  const eventsOf = async (roomId: string) =>
    (
      await t.pool.query<{ seq: number; type: string }>(
        'SELECT seq, type FROM events WHERE room_id = $1 ORDER BY seq',
        [roomId],
      )
    ).rows;

  it('has a public general room that every new user, guests included, is in', async () => {
    for (const user of [admin, alice, guest]) {
      const res = await call<{ rooms: Room[] }>(user, 'GET', '/api/v1/rooms');
      expect(res.status).toBe(200);
      const general = res.body.rooms.find((r) => r.name === 'general');
      expect(general).toMatchObject({
        kind: 'channel',
        visibility: 'public',
        role: 'member',
        // A new user has read what came before they joined.
        unread_count: 0,
        last_read_seq: expect.any(Number) as number,
        last_message: null,
        archived_at: null,
      });
    }
    expect((await call(null, 'GET', '/api/v1/rooms')).status).toBe(401);
  });

  it('creates channels: owner, unique names (case-insensitive), guests refused, names checked', async () => {
    const room = await create(alice, 'Design', 'public', 'pixels');
    expect(room).toMatchObject({
      name: 'Design',
      topic: 'pixels',
      kind: 'channel',
      visibility: 'public',
      member_count: 1,
      role: 'owner',
      last_seq: 1,
    });
    expect(await eventsOf(room.id)).toEqual([{ seq: 1, type: 'member.joined' }]);
    const taken = await call<ErrorBody>(bob, 'POST', '/api/v1/rooms', {
      name: 'design',
      visibility: 'private',
    });
    expect(taken.status).toBe(409);
    expect(taken.body.error.code).toBe('room_name_taken');
    const byGuest = await call<ErrorBody>(guest, 'POST', '/api/v1/rooms', {
      name: 'guest-room',
      visibility: 'public',
    });
    expect(byGuest.status).toBe(403);
    for (const name of ['', ' padded', 'x'.repeat(81), 'tab\there', 42, null])
      expect(
        (await call(bob, 'POST', '/api/v1/rooms', { name, visibility: 'public' })).status,
      ).toBe(400);
    expect(
      (await call(bob, 'POST', '/api/v1/rooms', { name: 'ok', visibility: 'secret' })).status,
    ).toBe(400);
    const after = await call<{ rooms: Room[] }>(bob, 'GET', '/api/v1/rooms?scope=public');
    expect(after.body.rooms.map((r) => r.name).sort()).toEqual(['Design', 'general']);
  });

  it('hides private rooms from non-members entirely (404 everywhere, admins included)', async () => {
    const secret = await create(alice, 'secret-plans', 'private');
    const id = secret.id;
    const probes: [string, string, unknown?][] = [
      ['GET', `/api/v1/rooms/${id}`],
      ['PATCH', `/api/v1/rooms/${id}`, { topic: 'mine now' }],
      ['DELETE', `/api/v1/rooms/${id}`],
      ['POST', `/api/v1/rooms/${id}/join`],
      ['GET', `/api/v1/rooms/${id}/members`],
      ['POST', `/api/v1/rooms/${id}/members`, { user_id: bob.user.id }],
      ['GET', `/api/v1/rooms/${id}/messages`],
      ['POST', `/api/v1/rooms/${id}/messages`, { text: 'let me in' }],
      ['POST', `/api/v1/rooms/${id}/read`, { seq: 1 }],
      ['GET', `/api/v1/search?q=plans&room_id=${id}`],
    ];
    for (const user of [bob, guest, admin])
      for (const [method, path, body] of probes) {
        const res = await call<ErrorBody>(user, method, path, body);
        expect({ method, path, status: res.status }).toEqual({ method, path, status: 404 });
        expect(res.body.error.code).toBe('not_found');
      }
    const listed = await call<{ rooms: Room[] }>(bob, 'GET', '/api/v1/rooms?scope=public');
    expect(listed.body.rooms.map((r) => r.id)).not.toContain(id);
    expect(await eventsOf(id)).toEqual([{ seq: 1, type: 'member.joined' }]); // nothing changed
  });

  it('answers malformed and unknown ids with 404 (or 400 when absurd), never 500', async () => {
    for (const id of ['not-a-uuid', "1' OR '1'='1", '00000000-0000-0000-0000-000000000000', '%00'])
      for (const path of [
        `/api/v1/rooms/${encodeURIComponent(id)}`,
        `/api/v1/messages/${encodeURIComponent(id)}`,
      ])
        expect((await call(alice, 'GET', path)).status).toBe(404);
    expect((await call(alice, 'GET', `/api/v1/rooms/${'a'.repeat(65)}`)).status).toBe(400);
    const room = await create(alice, 'id-checks');
    expect((await call(alice, 'DELETE', `/api/v1/rooms/${room.id}/members/nobody`)).status).toBe(
      404,
    );
  });

  it('invites, grants roles and kicks by rank (owner > moderator > member)', async () => {
    const room = await create(alice, 'crew', 'private');
    const members = `/api/v1/rooms/${room.id}/members`;
    const invited = await call<Member>(alice, 'POST', members, { user_id: bob.user.id });
    expect(invited.status).toBe(201);
    expect(invited.body).toMatchObject({ user: { id: bob.user.id }, role: 'member' });
    expect((await call(alice, 'POST', members, { user_id: bob.user.id })).status).toBe(200);
    expect((await call<Room>(bob, 'GET', `/api/v1/rooms/${room.id}`)).body.role).toBe('member');
    // A member cannot invite; an owner can promote; a moderator invites only as member.
    expect((await call(bob, 'POST', members, { user_id: carol.user.id })).status).toBe(403);
    const promoted = await call<Member>(alice, 'POST', members, {
      user_id: bob.user.id,
      role: 'moderator',
    });
    expect(promoted.status).toBe(200);
    expect(promoted.body.role).toBe('moderator');
    expect(
      (await call(bob, 'POST', members, { user_id: carol.user.id, role: 'moderator' })).status,
    ).toBe(403);
    expect((await call(bob, 'POST', members, { user_id: carol.user.id })).status).toBe(201);
    // Unknown users and bad bodies.
    expect((await call(alice, 'POST', members, { user_id: 'ghost' })).status).toBe(400);
    expect(
      (await call(alice, 'POST', members, { user_id: bob.user.id, role: 'king' })).status,
    ).toBe(400);
    // Kicks: nobody removes someone at or above their own rank, except admins (who must see it).
    expect((await call(bob, 'DELETE', `${members}/${alice.user.id}`)).status).toBe(403);
    expect((await call(carol, 'DELETE', `${members}/${bob.user.id}`)).status).toBe(403);
    expect((await call(bob, 'DELETE', `${members}/${carol.user.id}`)).status).toBe(204);
    expect((await call(carol, 'GET', `/api/v1/rooms/${room.id}`)).status).toBe(404);
    const list = await call<{ members: Member[] }>(alice, 'GET', members);
    expect(list.body.members.map((m) => [m.user.username, m.role])).toEqual([
      [alice.username, 'owner'],
      [bob.username, 'moderator'],
    ]);
    expect((await eventsOf(room.id)).map((e) => e.type)).toEqual([
      'member.joined', // alice (owner)
      'member.joined', // bob
      'member.joined', // bob promoted (role changes are announced as member.joined)
      'member.joined', // carol
      'member.left', // carol kicked
    ]);
  });

  it('joins and leaves public channels; nobody leaves general; private rooms need an invite', async () => {
    const room = await create(alice, 'lobby');
    const joined = await call<Room>(bob, 'POST', `/api/v1/rooms/${room.id}/join`);
    expect(joined.status).toBe(200);
    expect(joined.body).toMatchObject({ role: 'member', member_count: 2 });
    expect((await call<Room>(bob, 'POST', `/api/v1/rooms/${room.id}/join`)).body.member_count).toBe(
      2,
    );
    expect((await call(bob, 'POST', `/api/v1/rooms/${room.id}/leave`)).status).toBe(204);
    expect((await call(bob, 'POST', `/api/v1/rooms/${room.id}/leave`)).status).toBe(204);
    expect((await call<Room>(bob, 'GET', `/api/v1/rooms/${room.id}`)).body).toMatchObject({
      member_count: 1,
    });
    expect((await call<Room>(bob, 'GET', `/api/v1/rooms/${room.id}`)).body.role).toBeUndefined();
    const general = (await call<{ rooms: Room[] }>(bob, 'GET', '/api/v1/rooms')).body.rooms.find(
      (r) => r.name === 'general',
    )!;
    expect((await call(bob, 'POST', `/api/v1/rooms/${general.id}/leave`)).status).toBe(403);
    expect((await call(guest, 'POST', `/api/v1/rooms/${room.id}/join`)).status).toBe(200);
  });

  it('lets the owner or an admin rename and archive; archived rooms are read-only', async () => {
    const room = await create(alice, 'temp');
    await call(bob, 'POST', `/api/v1/rooms/${room.id}/join`);
    expect((await call(bob, 'PATCH', `/api/v1/rooms/${room.id}`, { topic: 'x' })).status).toBe(403);
    const renamed = await call<Room>(alice, 'PATCH', `/api/v1/rooms/${room.id}`, {
      name: 'temporary',
      topic: 'soon gone',
    });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ name: 'temporary', topic: 'soon gone' });
    expect(
      (await call<Room>(admin, 'PATCH', `/api/v1/rooms/${room.id}`, { topic: 'by admin' })).body
        .topic,
    ).toBe('by admin');
    expect(
      (await call(alice, 'PATCH', `/api/v1/rooms/${room.id}`, { name: 'general' })).status,
    ).toBe(409);
    const sent = await call(bob, 'POST', `/api/v1/rooms/${room.id}/messages`, {
      text: 'before archive',
    });
    expect(sent.status).toBe(201);

    expect((await call(bob, 'DELETE', `/api/v1/rooms/${room.id}`)).status).toBe(403);
    expect((await call(alice, 'DELETE', `/api/v1/rooms/${room.id}`)).status).toBe(204);
    expect((await call(alice, 'DELETE', `/api/v1/rooms/${room.id}`)).status).toBe(204);
    const archived = await call<Room>(bob, 'GET', `/api/v1/rooms/${room.id}`);
    expect(archived.status).toBe(200);
    expect(archived.body.archived_at).toEqual(expect.any(String));
    const refused = await call<ErrorBody>(bob, 'POST', `/api/v1/rooms/${room.id}/messages`, {
      text: 'after',
    });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('room_archived');
    expect((await call(bob, 'GET', `/api/v1/rooms/${room.id}/messages`)).status).toBe(200);
    expect((await call(alice, 'PATCH', `/api/v1/rooms/${room.id}`, { topic: 'x' })).status).toBe(
      409,
    );
    const publicRooms = await call<{ rooms: Room[] }>(bob, 'GET', '/api/v1/rooms?scope=public');
    expect(publicRooms.body.rooms.map((r) => r.id)).not.toContain(room.id);
    expect((await eventsOf(room.id)).map((e) => e.type)).toEqual([
      'member.joined',
      'member.joined',
      'room.updated',
      'room.updated',
      'message.created',
      'room.updated', // archived
    ]);
    // The general room keeps its name and cannot be archived, even by an admin.
    const general = (await call<{ rooms: Room[] }>(admin, 'GET', '/api/v1/rooms')).body.rooms.find(
      (r) => r.name === 'general',
    )!;
    expect(
      (await call(admin, 'PATCH', `/api/v1/rooms/${general.id}`, { name: 'town-square' })).status,
    ).toBe(403);
    expect((await call(admin, 'DELETE', `/api/v1/rooms/${general.id}`)).status).toBe(403);
    expect(
      (await call(admin, 'PATCH', `/api/v1/rooms/${general.id}`, { topic: 'hello all' })).status,
    ).toBe(200);
  });

  it('gives the same set of users the same dm, and hides it from everyone else', async () => {
    const first = await call<Room>(alice, 'POST', '/api/v1/dms', { user_ids: [bob.user.id] });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ kind: 'dm', visibility: 'private', member_count: 2 });
    const again = await call<Room>(bob, 'POST', '/api/v1/dms', { user_ids: [alice.user.id] });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    const withSelf = await call<Room>(alice, 'POST', '/api/v1/dms', {
      user_ids: [bob.user.id, alice.user.id, bob.user.id],
    });
    expect(withSelf.body.id).toBe(first.body.id);
    const group = await call<Room>(alice, 'POST', '/api/v1/dms', {
      user_ids: [bob.user.id, carol.user.id],
    });
    expect(group.status).toBe(201);
    expect(group.body.id).not.toBe(first.body.id);
    // Concurrent opens of a new set still make one room.
    const racing = await Promise.all(
      [carol, guest, carol, guest].map((u) =>
        call<Room>(u, 'POST', '/api/v1/dms', {
          user_ids: [u === carol ? guest.user.id : carol.user.id],
        }),
      ),
    );
    expect(new Set(racing.map((r) => r.body.id)).size).toBe(1);
    expect(racing.filter((r) => r.status === 201)).toHaveLength(1);

    for (const method of ['GET', 'PATCH', 'DELETE'])
      expect(
        (
          await call(
            carol,
            method,
            `/api/v1/rooms/${first.body.id}`,
            method === 'PATCH' ? {} : undefined,
          )
        ).status,
      ).toBe(404);
    expect((await call(carol, 'GET', `/api/v1/rooms/${first.body.id}/messages`)).status).toBe(404);
    expect(
      (
        await call(alice, 'POST', `/api/v1/rooms/${first.body.id}/members`, {
          user_id: carol.user.id,
        })
      ).status,
    ).toBe(403);
    for (const user_ids of [
      [],
      [alice.user.id],
      ['nope'],
      Array.from({ length: 9 }, () => crypto.randomUUID()),
    ])
      expect((await call(alice, 'POST', '/api/v1/dms', { user_ids })).status).toBe(400);
  });
});
