/**
 * Messages over HTTP (API.md "Messages"): content rules, edit/delete rights, tombstones,
 * idempotent sends (including racing retries), the send rate limit, history query validation,
 * long-polling, and the `/api/v1/messages` routes of the general room.
 */
import type { Message, MessagePage, Room } from '@parley/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from './helpers/databases.js';
import { caller } from './helpers/fixtures.js';
import { startTestApp, type TestApp } from './helpers/test-app.js';
import { registerUser, type TestUser } from './helpers/users.js';

interface ErrorBody {
  error: { code: string; message: string; details?: { field: string }[] };
}

const BURST = 25;

describe.each(ENGINES)('messages over HTTP (%s PostgreSQL)', (engine) => {
  let t: TestApp;
  let call: ReturnType<typeof caller>;
  let admin: TestUser, alice: TestUser, bob: TestUser, carol: TestUser;
  let room: Room;
  let path: string;

  beforeAll(async () => {
    // A slow refill and a modest burst: each test user has its own bucket.
    t = await startTestApp(engine, { rateLimitSendPerS: 1, rateLimitSendBurst: BURST });
    call = caller(t.url);
    admin = await registerUser(t.url);
    [alice, bob, carol] = await Promise.all([
      registerUser(t.url, { display_name: 'Alice A.' }),
      registerUser(t.url),
      registerUser(t.url),
    ]);
    room = (
      await call<Room>(alice, 'POST', '/api/v1/rooms', { name: 'talk', visibility: 'public' })
    ).body;
    await call(bob, 'POST', `/api/v1/rooms/${room.id}/join`);
    path = `/api/v1/rooms/${room.id}/messages`;
  });
  afterAll(() => t.close());

  const send = (user: TestUser, body: unknown, headers: Record<string, string> = {}) =>
    call<Message>(user, 'POST', path, body, headers);

  it('sends typed content and reads it back identically', async () => {
    const textMsg = await send(alice, { content: { type: 'text', text: 'hello 👋' } });
    expect(textMsg.status).toBe(201);
    expect(textMsg.body).toMatchObject({
      room_id: room.id,
      author: { id: alice.user.id, username: alice.username, display_name: 'Alice A.' },
      content: { type: 'text', text: 'hello 👋' },
      reply_to: null,
      reactions: [],
      edited_at: null,
      deleted: false,
    });
    expect(textMsg.body.seq).toBeGreaterThan(0);
    const image = await send(bob, {
      content: {
        type: 'image',
        url: 'https://example.com/cat.png',
        width: 640,
        height: 480,
        alt: 'a cat',
        extra: 'dropped',
      },
      reply_to: textMsg.body.id,
    });
    expect(image.status).toBe(201);
    expect(image.body.content).toEqual({
      type: 'image',
      url: 'https://example.com/cat.png',
      width: 640,
      height: 480,
      alt: 'a cat',
    });
    expect(image.body.reply_to).toBe(textMsg.body.id);
    const video = await send(bob, {
      content: { type: 'video', url: 'http://videos.example/v/1', source: 'youtube' },
    });
    expect(video.body.content).toEqual({
      type: 'video',
      url: 'http://videos.example/v/1',
      source: 'youtube',
    });
    const shorthand = await send(alice, { text: 'short form' });
    expect(shorthand.body.content).toEqual({ type: 'text', text: 'short form' });
    // What came back is exactly what GET /messages/:id and history return.
    for (const m of [textMsg.body, image.body, video.body, shorthand.body])
      expect((await call<Message>(alice, 'GET', `/api/v1/messages/${m.id}`)).body).toEqual(m);
    const page = await call<MessagePage>(alice, 'GET', path);
    expect(page.body.messages.slice(-4)).toEqual([
      textMsg.body,
      image.body,
      video.body,
      shorthand.body,
    ]);
  });

  it('rejects bad content with 400 naming the field, and changes nothing', async () => {
    const before = await t.pool.query('SELECT count(*)::int AS n FROM messages');
    const other = (
      await call<Room>(carol, 'POST', '/api/v1/rooms', { name: 'elsewhere', visibility: 'public' })
    ).body;
    const elsewhere = (
      await call<Message>(carol, 'POST', `/api/v1/rooms/${other.id}/messages`, { text: 'x' })
    ).body;
    const bad: unknown[] = [
      {},
      { text: '' },
      { text: '   ' },
      { text: 'x'.repeat(4001) },
      { text: 'nul \u0000 byte' },
      { text: 42 },
      { text: 'both', content: { type: 'text', text: 'both' } },
      { content: { type: 'text' } },
      { content: { type: 'audio', url: 'https://a.example/x.mp3' } },
      { content: { type: 'image', url: 'javascript:alert(1)' } },
      { content: { type: 'image', url: 'ftp://files.example/x.png' } },
      { content: { type: 'image', url: 'data:image/png;base64,AAAA' } },
      { content: { type: 'image', url: '/relative.png' } },
      { content: { type: 'image', url: 'https://ok.example/x.png', width: 0 } },
      { content: { type: 'image', url: 'https://ok.example/x.png', width: 1.5 } },
      { content: { type: 'video', url: 'https://' } },
      { content: 'text' },
      { content: null },
      { text: 'reply', reply_to: 'not-a-message' },
      { text: 'reply', reply_to: elsewhere.id },
    ];
    for (const body of bad) {
      const res = await send(alice, body);
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
      expect((res.body as unknown as ErrorBody).error.code).toBe('invalid_request');
    }
    const after = await t.pool.query('SELECT count(*)::int AS n FROM messages');
    expect(after.rows[0]).toEqual({ n: (before.rows[0] as { n: number }).n + 1 }); // carol's only
    // 4,000 characters are fine — counted as characters, so 4,000 emoji too.
    expect((await send(alice, { text: 'x'.repeat(4000) })).status).toBe(201);
    expect((await send(alice, { text: '😀'.repeat(4000) })).status).toBe(201);
  });

  it('lets only the author edit, and the author, moderators, owners or admins delete', async () => {
    const mine = (await send(bob, { text: 'first draft' })).body;
    const edited = await call<Message>(bob, 'PATCH', `/api/v1/messages/${mine.id}`, {
      content: { type: 'text', text: 'final' },
    });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ id: mine.id, seq: mine.seq, content: { text: 'final' } });
    expect(edited.body.edited_at).toEqual(expect.any(String));
    expect(
      (await call<Message>(bob, 'PUT', `/api/v1/messages/${mine.id}`, { text: 'via put' })).body
        .content,
    ).toEqual({ type: 'text', text: 'via put' });
    for (const user of [alice, admin, carol])
      expect(
        (await call(user, 'PATCH', `/api/v1/messages/${mine.id}`, { text: 'hijack' })).status,
      ).toBe(403);
    expect((await call(bob, 'PATCH', `/api/v1/messages/${mine.id}`, { text: '' })).status).toBe(
      400,
    );

    // carol is not a member of this public room: she can read it but not delete others' messages.
    expect((await call(carol, 'DELETE', `/api/v1/messages/${mine.id}`)).status).toBe(403);
    const alices = (await send(alice, { text: 'owner post' })).body;
    expect((await call(bob, 'DELETE', `/api/v1/messages/${alices.id}`)).status).toBe(403);
    // The room owner deletes bob's message; a tombstone stays.
    expect((await call(alice, 'DELETE', `/api/v1/messages/${mine.id}`)).status).toBe(204);
    const tomb = await call<Message>(bob, 'GET', `/api/v1/messages/${mine.id}`);
    expect(tomb.status).toBe(200);
    expect(tomb.body).toMatchObject({
      id: mine.id,
      seq: mine.seq,
      deleted: true,
      content: null,
      reactions: [],
    });
    expect((await call(alice, 'DELETE', `/api/v1/messages/${mine.id}`)).status).toBe(204);
    expect(
      (await call<ErrorBody>(bob, 'PATCH', `/api/v1/messages/${mine.id}`, { text: 'revive' })).body
        .error.code,
    ).toBe('conflict');
    // An admin may delete anyone's message in a room they can see.
    expect((await call(admin, 'DELETE', `/api/v1/messages/${alices.id}`)).status).toBe(204);
    const { rows } = await t.pool.query<{ type: string; deleted: boolean }>(
      `SELECT type, (payload ->> 'deleted')::boolean AS deleted FROM events
       WHERE room_id = $1 AND payload ->> 'id' IN ($2, $3) ORDER BY seq`,
      [room.id, mine.id, alices.id],
    );
    expect(rows.map((r) => r.type)).toEqual([
      'message.created',
      'message.updated',
      'message.updated',
      'message.created',
      'message.deleted',
      'message.deleted',
    ]);
    const { rows: stored } = await t.pool.query('SELECT content FROM messages WHERE id = $1', [
      mine.id,
    ]);
    expect(stored[0]).toEqual({ content: null }); // the text is really gone
  });

  it('refuses sends by non-members, to unknown, private and archived rooms, with the right error', async () => {
    // The right to post is checked by the insert itself (message.service.ts); each refusal must
    // still be named exactly and write nothing.
    const send = (who: TestUser, roomId: string, body: object = { text: 'x' }) =>
      call<ErrorBody>(who, 'POST', `/api/v1/rooms/${roomId}/messages`, body);
    const open = (
      await call<Room>(alice, 'POST', '/api/v1/rooms', { name: 'gate', visibility: 'public' })
    ).body;
    const secret = (
      await call<Room>(alice, 'POST', '/api/v1/rooms', { name: 'vault', visibility: 'private' })
    ).body;
    const inside = await send(alice, secret.id, { text: 'hidden' });
    expect(inside.status).toBe(201);
    const hiddenId = (inside.body as unknown as Message).id;

    const cases: [TestUser, string, object, number, string][] = [
      [carol, open.id, { text: 'x' }, 403, 'forbidden'], // visible, not joined
      [carol, secret.id, { text: 'x' }, 404, 'not_found'], // invisible
      [carol, '00000000-0000-4000-8000-000000000000', { text: 'x' }, 404, 'not_found'],
      [carol, 'not-a-uuid', { text: 'x' }, 404, 'not_found'],
      // A reply into a room the caller cannot see is refused as the room, not as the reply.
      [carol, secret.id, { text: 'x', reply_to: hiddenId }, 404, 'not_found'],
    ];
    for (const [who, roomId, body, status, code] of cases) {
      const res = await send(who, roomId, body);
      expect([res.status, res.body.error?.code]).toEqual([status, code]);
    }

    await call(carol, 'POST', `/api/v1/rooms/${open.id}/join`);
    expect((await send(carol, open.id)).status).toBe(201);
    await call(carol, 'POST', `/api/v1/rooms/${open.id}/leave`);
    expect((await send(carol, open.id)).body.error.code).toBe('forbidden');
    await call(alice, 'DELETE', `/api/v1/rooms/${open.id}`);
    expect((await send(alice, open.id)).body.error.code).toBe('room_archived');

    const history = await call<MessagePage>(alice, 'GET', `/api/v1/rooms/${open.id}/messages`);
    expect(history.body.messages.map((m) => m.author.id)).toEqual([carol.user.id]);
  });

  it('accepts a room id in upper case for sends and history (batched lookups match either case)', async () => {
    const upper = `/api/v1/rooms/${room.id.toUpperCase()}/messages`;
    const sent = await call<Message>(bob, 'POST', upper, { text: 'shouting the id' });
    expect(sent.status).toBe(201);
    expect(sent.body.room_id).toBe(room.id);
    const page = await call<MessagePage>(alice, 'GET', `${upper}?limit=1`);
    expect(page.status).toBe(200);
    expect(page.body.messages.map((m) => m.id)).toEqual([sent.body.id]);
  });

  it('makes sends idempotent: replays return the original, another body is a 409', async () => {
    const key = `key-${crypto.randomUUID()}`;
    const first = await send(alice, { text: 'exactly once' }, { 'idempotency-key': key });
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const retry = await send(alice, { text: 'exactly once' }, { 'idempotency-key': key });
    expect(retry.status).toBe(200);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.body).toEqual(first.body);
    const other = await call<ErrorBody>(
      alice,
      'POST',
      path,
      { text: 'something else' },
      { 'idempotency-key': key },
    );
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe('idempotency_key_reused');
    // Keys are per author: bob may use the same one.
    expect((await send(bob, { text: 'exactly once' }, { 'idempotency-key': key })).status).toBe(
      201,
    );
    for (const bad of ['has space', 'x'.repeat(256), 'ünï'])
      expect((await send(alice, { text: 'k' }, { 'idempotency-key': bad })).status).toBe(400);
  });

  it('creates one message when the same key is sent concurrently', async () => {
    const key = crypto.randomUUID();
    // (carol is not a member of `talk`: she may read it but not post there.)
    expect((await send(carol, { text: 'racing retry' }, { 'idempotency-key': key })).status).toBe(
      403,
    );
    const many = await Promise.all(
      Array.from({ length: 10 }, () =>
        call<Message>(
          carol,
          'POST',
          '/api/v1/messages',
          { text: 'racing retry' },
          { 'idempotency-key': key },
        ),
      ),
    );
    expect(many.map((r) => r.status).sort()).toEqual([
      200, 200, 200, 200, 200, 200, 200, 200, 200, 201,
    ]);
    expect(new Set(many.map((r) => r.body.id)).size).toBe(1);
    const { rows } = await t.pool.query(
      'SELECT count(*)::int AS n FROM messages WHERE author_id = $1 AND idempotency_key = $2',
      [carol.user.id, key],
    );
    expect(rows[0]).toEqual({ n: 1 });
  });

  it('limits sends per user with 429 and Retry-After', async () => {
    const spammer = await registerUser(t.url);
    const statuses: number[] = [];
    let limited: { status: number; headers: Headers; body: unknown } | undefined;
    for (let i = 0; i < BURST + 5 && !limited; i++) {
      const res = await call(spammer, 'POST', '/api/v1/messages', { text: `spam ${i}` });
      statuses.push(res.status);
      if (res.status === 429) limited = res;
    }
    expect(statuses.filter((s) => s === 201).length).toBeGreaterThanOrEqual(BURST);
    expect(limited?.status).toBe(429);
    expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(limited?.body).toMatchObject({ error: { code: 'rate_limited' } });
    // Others are unaffected.
    expect((await call(bob, 'POST', '/api/v1/messages', { text: 'still fine' })).status).toBe(201);
  });

  it('validates history queries', async () => {
    const cases = [
      'limit=0',
      'limit=201',
      'limit=abc',
      'before=-1',
      'after=1.5',
      'before=3&after=1',
      'after=1&since=2020-01-01T00:00:00Z',
      'wait=5',
      'after=1&wait=31',
      'since=yesterday',
      'since=2020-13-45T99:00:00Z',
    ];
    for (const q of cases) {
      const res = await call<ErrorBody>(alice, 'GET', `${path}?${q}`);
      expect({ q, status: res.status }).toEqual({ q, status: 400 });
    }
    const latest = (await call<MessagePage>(alice, 'GET', `${path}?limit=1`)).body;
    expect(latest.has_more).toBe(true);
    const last = latest.messages[0]!.seq;
    expect((await call<MessagePage>(alice, 'GET', `${path}?after=${last}`)).body).toEqual({
      messages: [],
      has_more: false,
    });
    expect((await call<MessagePage>(alice, 'GET', `${path}?before=1`)).body).toEqual({
      messages: [],
      has_more: false,
    });
    const since = await call<MessagePage>(alice, 'GET', `${path}?since=0&limit=2`);
    expect(since.body.has_more).toBe(true);
    expect(since.body.messages).toHaveLength(2);
    const unix = Math.floor(Date.parse(since.body.messages[0]!.created_at) / 1000) - 1;
    expect(
      (await call<MessagePage>(alice, 'GET', `${path}?since=${unix}&limit=2`)).body.messages[0],
    ).toEqual(since.body.messages[0]);
  });

  it('long-polls: wait= returns as soon as a message arrives, or empty at the deadline', async () => {
    const latest = (await call<MessagePage>(bob, 'GET', `${path}?limit=1`)).body.messages[0]!;
    const poll = call<MessagePage>(bob, 'GET', `${path}?after=${latest.seq}&wait=20`);
    // Something that is not a message does not end the wait; the message does.
    await call(carol, 'POST', `/api/v1/rooms/${room.id}/join`);
    const sent = (await send(alice, { text: 'wake up' })).body;
    const res = await poll;
    expect(res.status).toBe(200);
    expect(res.body.messages.map((m) => m.id)).toEqual([sent.id]);
    const empty = await call<MessagePage>(bob, 'GET', `${path}?after=${sent.seq + 1}&wait=1`);
    expect(empty.body).toEqual({ messages: [], has_more: false });
  });

  it('reacts through URL-encoded emoji paths', async () => {
    const m = (await send(alice, { text: 'react here' })).body;
    const url = (e: string) => `/api/v1/messages/${m.id}/reactions/${encodeURIComponent(e)}`;
    const added = await call<Message>(bob, 'PUT', url('👍🏽'));
    expect(added.status).toBe(200);
    expect(added.body.reactions).toEqual([{ emoji: '👍🏽', count: 1, me: true }]);
    expect((await call<Message>(alice, 'PUT', url(':tada:'))).body.reactions).toEqual([
      { emoji: '👍🏽', count: 1, me: false },
      { emoji: ':tada:', count: 1, me: true },
    ]);
    expect((await call<Message>(bob, 'DELETE', url('👍🏽'))).body.reactions).toEqual([
      { emoji: ':tada:', count: 1, me: false },
    ]);
    expect((await call(bob, 'PUT', url('nope'))).status).toBe(400);
    expect(
      (await call(bob, 'PUT', `/api/v1/messages/not-an-id/reactions/${encodeURIComponent('👍')}`))
        .status,
    ).toBe(404);
    const outsider = await registerUser(t.url);
    expect((await call(outsider, 'PUT', url('👍'))).status).toBe(403); // not a member of talk
  });

  it('serves the general room at /api/v1/messages', async () => {
    const posted = await call<Message>(bob, 'POST', '/api/v1/messages', { text: 'to everyone' });
    expect(posted.status).toBe(201);
    const general = (await call<{ rooms: Room[] }>(bob, 'GET', '/api/v1/rooms')).body.rooms.find(
      (r) => r.name === 'general',
    )!;
    expect(posted.body.room_id).toBe(general.id);
    const page = await call<MessagePage>(alice, 'GET', '/api/v1/messages?limit=1');
    expect(page.body.messages).toEqual([posted.body]);
    expect(
      (await call<Message>(bob, 'PUT', `/api/v1/messages/${posted.body.id}`, { text: 'to all' }))
        .body.content,
    ).toEqual({ type: 'text', text: 'to all' });
    expect((await call(bob, 'DELETE', `/api/v1/messages/${posted.body.id}`)).status).toBe(204);
    expect(
      (await call<Message>(alice, 'GET', `/api/v1/messages/${posted.body.id}`)).body.deleted,
    ).toBe(true);
    expect((await call(null, 'GET', '/api/v1/messages')).status).toBe(401);
  });

  it('documents every route in the OpenAPI document', async () => {
    const doc = (
      await call<{ paths: Record<string, Record<string, unknown>> }>(
        null,
        'GET',
        '/api/v1/openapi.json',
      )
    ).body;
    const expected: [string, string[]][] = [
      ['/api/v1/rooms', ['get', 'post']],
      ['/api/v1/dms', ['post']],
      ['/api/v1/rooms/{room_id}', ['get', 'patch', 'delete']],
      ['/api/v1/rooms/{room_id}/join', ['post']],
      ['/api/v1/rooms/{room_id}/leave', ['post']],
      ['/api/v1/rooms/{room_id}/members', ['get', 'post']],
      ['/api/v1/rooms/{room_id}/members/{user_id}', ['delete']],
      ['/api/v1/rooms/{room_id}/messages', ['get', 'post']],
      ['/api/v1/rooms/{room_id}/read', ['post']],
      ['/api/v1/messages', ['get', 'post']],
      ['/api/v1/messages/{id}', ['get', 'patch', 'put', 'delete']],
      ['/api/v1/messages/{id}/reactions/{emoji}', ['put', 'delete']],
      ['/api/v1/search', ['get']],
    ];
    for (const [p, methods] of expected)
      for (const m of methods) expect(doc.paths[p]?.[m], `${m} ${p}`).toBeDefined();
  });
});
