/**
 * The WebSocket transport over a real socket, on a real app and database: authentication (all
 * ways in, bad and revoked credentials), rooms followed automatically (and joined later), send →
 * ack with idempotent client_id, ordering between two users, resume with exactly the missed
 * events, typing, malformed frames and floods.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caller, text } from './helpers/fixtures.js';
import { isEvent, TestSocket, type Frame } from './helpers/realtime-client.js';
import { ENGINES } from './helpers/databases.js';
import { startTestApp, type TestApp } from './helpers/test-app.js';
import { generalRoomId, registerUser, type TestUser } from './helpers/users.js';

describe.each(ENGINES)('WebSocket on %s PostgreSQL', (engine) => {
  let t: TestApp;
  let call: ReturnType<typeof caller>;
  let alice: TestUser;
  let bob: TestUser;
  let general: string;
  const sockets: TestSocket[] = [];
  const open = async (opts: Parameters<typeof TestSocket.open>[1]) => {
    const s = await TestSocket.open(t.url, opts);
    sockets.push(s);
    return s;
  };
  const post = (user: TestUser, roomId: string, body: string) =>
    call<{ seq: number; id: string }>(user, 'POST', `/api/v1/rooms/${roomId}/messages`, {
      content: text(body),
    });

  beforeAll(async () => {
    t = await startTestApp(engine, {
      realtimeAuthCheckS: 1,
      rateLimitSendPerS: 1000,
      rateLimitSendBurst: 1000,
    });
    call = caller(t.url);
    [alice, bob] = [await registerUser(t.url), await registerUser(t.url)];
    general = await generalRoomId(t.url, alice);
  });
  afterAll(async () => {
    for (const s of sockets) s.kill();
    await t.close();
  });

  it('authenticates by header, ?token= or an auth frame, and refuses bad credentials', async () => {
    const byHeader = await open({ token: alice.access_token });
    expect(byHeader.frames[0]).toMatchObject({ type: 'ready', user: { id: alice.user.id } });
    const byQuery = await open({ query: `token=${alice.access_token}` });
    await byQuery.next((f) => f.type === 'ready');
    const byFrame = await open({});
    byFrame.send({ type: 'auth', token: bob.access_token });
    expect(await byFrame.next((f) => f.type === 'ready')).toMatchObject({
      user: { id: bob.user.id },
    });

    await expect(open({ token: 'nope' })).rejects.toMatchObject({ status: 401 });
    const bad = await open({});
    bad.send({ type: 'auth', token: 'nope' });
    expect(await bad.next((f) => f.type === 'error')).toMatchObject({ code: 'unauthenticated' });
    expect((await bad.closed).code).toBe(4401);
    const early = await open({});
    early.send({ type: 'send', room_id: general, content: text('hi'), client_id: 'x' });
    expect(await early.next((f) => f.type === 'error')).toMatchObject({ code: 'unauthenticated' });
  });

  it('delivers both users their messages in seq order, with acks and idempotent client_id', async () => {
    const [a, b] = [
      await open({ token: alice.access_token }),
      await open({ token: bob.access_token }),
    ];
    for (let i = 0; i < 10; i++)
      (i % 2 ? a : b).send({
        type: 'send',
        room_id: general,
        content: text(`m${i}`),
        client_id: `c${i}`,
      });
    a.send({ type: 'send', room_id: general, content: text('m1'), client_id: 'c1' }); // retried
    const acks = await a.count((f) => f.type === 'ack', 6);
    expect(acks[5]).toMatchObject({
      client_id: 'c1',
      message: { id: (acks[0]!.message as { id: string }).id },
    });
    for (const s of [a, b]) {
      const events = await s.count(isEvent(general, 'message.created'), 10);
      const seqs = events.map((e) => e.seq as number);
      expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
      expect(new Set(seqs).size).toBe(10);
      expect(seqs.at(-1)! - seqs[0]!).toBe(9);
    }
    expect(a.events(general)).toEqual(b.events(general));
  });

  it('resumes with exactly the events missed while disconnected', async () => {
    const a = await open({ token: alice.access_token });
    const first = await post(bob, general, 'before');
    await a.next((f) => isEvent(general)(f) && f.seq === first.body.seq);
    a.kill();
    const missed = [
      await post(bob, general, 'x1'),
      await post(bob, general, 'x2'),
      await post(bob, general, 'x3'),
    ];
    const again = await open({ token: alice.access_token });
    again.send({ type: 'resume', positions: { [general]: first.body.seq } });
    const events = await again.count(isEvent(general), 3);
    expect(events.map((e) => e.seq)).toEqual(missed.map((m) => m.body.seq));
    const live = await post(bob, general, 'live');
    await again.next((f) => isEvent(general)(f) && f.seq === live.body.seq);
    expect(again.events(general)).toHaveLength(4);
  });

  it('handles sends to different rooms concurrently, each room’s in the order sent', async () => {
    const side = await call<{ id: string }>(alice, 'POST', '/api/v1/rooms', {
      name: `side-${engine}`,
      visibility: 'public',
    });
    expect(side.status).toBe(201);
    const a = await open({ token: alice.access_token });
    const acked = (id: string) => (f: Frame) => f.type === 'ack' && f.client_id === id;
    // Hold general's row lock: no send to it can commit until it is released.
    const blocker = await t.pool.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('SELECT 1 FROM rooms WHERE id = $1 FOR UPDATE', [general]);
      a.send({ type: 'send', room_id: general, content: text('held'), client_id: 'g1' });
      a.send({ type: 'send', room_id: general, content: text('behind it'), client_id: 'g2' });
      a.send({ type: 'send', room_id: side.body.id, content: text('free'), client_id: 's1' });
      await a.next(acked('s1'));
      expect(a.frames.filter((f) => f.type === 'ack' && f.client_id !== 's1')).toEqual([]);
    } finally {
      await blocker.query('COMMIT');
      blocker.release();
    }
    const seqOf = (f: Frame) => (f.message as { seq: number }).seq;
    const [g1, g2] = [await a.next(acked('g1')), await a.next(acked('g2'))];
    expect(seqOf(g2)).toBe(seqOf(g1) + 1);
  });

  it('follows rooms joined later and stops at leave; typing reaches the others', async () => {
    const a = await open({ token: alice.access_token });
    const b = await open({ token: bob.access_token });
    const room = await call<{ id: string }>(alice, 'POST', '/api/v1/rooms', {
      name: `r${Date.now()}`,
      visibility: 'public',
    });
    expect((await call(bob, 'POST', `/api/v1/rooms/${room.body.id}/join`)).status).toBe(200);
    await b.next(isEvent(room.body.id, 'member.joined'));
    await post(alice, room.body.id, 'welcome');
    await b.next(isEvent(room.body.id, 'message.created'));
    a.send({ type: 'typing', room_id: room.body.id });
    expect(await b.next((f) => f.type === 'typing')).toEqual({
      type: 'typing',
      room_id: room.body.id,
      user_id: alice.user.id,
    });
    expect((await call(bob, 'POST', `/api/v1/rooms/${room.body.id}/leave`)).status).toBe(204);
    await b.next(isEvent(room.body.id, 'member.left'));
    const after = await post(alice, room.body.id, 'after bob left');
    await a.next((f) => isEvent(room.body.id)(f) && f.seq === after.body.seq);
    expect(b.events(room.body.id).map((e) => e.event)).toEqual([
      'member.joined',
      'message.created',
      'member.left',
    ]);
  });

  it('answers malformed frames with an error frame and keeps the socket; rate-limits floods', async () => {
    const a = await open({ token: alice.access_token });
    a.send('not json');
    expect(await a.next((f) => f.type === 'error')).toMatchObject({ code: 'invalid_request' });
    a.send({ type: 'send', room_id: general, content: { type: 'text' }, client_id: 'k' });
    expect(await a.next((f) => f.type === 'error' && Array.isArray(f.details), 5000)).toMatchObject(
      {
        code: 'invalid_request',
      },
    );
    a.send({ type: 'ping' });
    await a.next((f) => f.type === 'pong');
    for (let i = 0; i < 100; i++) a.send({ type: 'ping' });
    expect(await a.next((f) => f.type === 'error' && f.code === 'rate_limited')).toBeTruthy();
  });

  it('announces presence to users sharing a room, online then offline', async () => {
    const watcher = await open({ token: alice.access_token });
    const carol = await registerUser(t.url);
    const c = await open({ token: carol.access_token });
    const mine = (status: string) => (f: { type: string; user_id?: unknown; status?: unknown }) =>
      f.type === 'presence' && f.user_id === carol.user.id && f.status === status;
    await watcher.next(mine('online'));
    await c.close();
    await watcher.next(mine('offline'));
  });

  it('tells a new connection who is online already', async () => {
    const early = await registerUser(t.url);
    await open({ token: early.access_token });
    const late = await registerUser(t.url);
    const s = await open({ token: late.access_token });
    await s.next(
      (f) => f.type === 'presence' && f.user_id === early.user.id && f.status === 'online',
    );
  });

  it('tells connections that arrive together who is online (their lookups shared)', async () => {
    const early = await registerUser(t.url);
    await open({ token: early.access_token });
    const users = [await registerUser(t.url), await registerUser(t.url), await registerUser(t.url)];
    const sockets = await Promise.all(users.map((u) => open({ token: u.access_token })));
    for (const s of sockets)
      await s.next(
        (f) => f.type === 'presence' && f.user_id === early.user.id && f.status === 'online',
      );
  });

  it('closes a connection whose session was revoked with 4401', async () => {
    const user = await registerUser(t.url);
    const s = await open({ token: user.access_token });
    expect((await call(user, 'POST', '/api/v1/auth/logout')).status).toBe(204);
    const closed = await s.closed;
    expect(closed.code).toBe(4401);
    expect(s.frames.at(-1)).toMatchObject({ type: 'error', code: 'unauthenticated' });
  });

  // Last: it drains the shared app.
  it('tells clients to reconnect (1012) when the node drains, and refuses new sockets', async () => {
    const a = await open({ token: alice.access_token });
    await t.lifecycle.beginDrain();
    expect((await a.closed).code).toBe(1012);
    await expect(open({ token: alice.access_token })).rejects.toMatchObject({ status: 503 });
  });
});

/**
 * The resume window, made wide (60 s) so the order of events in these tests is certain: live
 * events wait until the client's first frames are handled, so a `resume` right after `ready`
 * takes effect before them.
 */
describe('WebSocket resume window', () => {
  let t: TestApp;
  let call: ReturnType<typeof caller>;
  let alice: TestUser;
  let bob: TestUser;
  let general: string;
  const sockets: TestSocket[] = [];
  const post = async (body: string) => {
    const res = await call<{ seq: number }>(bob, 'POST', `/api/v1/rooms/${general}/messages`, {
      content: text(body),
    });
    expect(res.status).toBe(201);
    return res.body.seq;
  };
  /** alice sees a message (`from`), vanishes, and misses three (`missed`). */
  const missThree = async () => {
    const a = await TestSocket.open(t.url, { token: alice.access_token });
    sockets.push(a);
    a.send({ type: 'ping' });
    await a.next((f) => f.type === 'pong');
    const from = await post('seen');
    await a.next((f) => isEvent(general)(f) && f.seq === from);
    a.kill();
    return { from, missed: [await post('m1'), await post('m2'), await post('m3')] };
  };

  beforeAll(async () => {
    t = await startTestApp('external', { wsResumeGraceMs: 60_000 });
    call = caller(t.url);
    [alice, bob] = [await registerUser(t.url), await registerUser(t.url)];
    general = await generalRoomId(t.url, alice);
  });
  afterAll(async () => {
    for (const s of sockets) s.kill();
    await t.close();
  });

  it('writes a live event that arrived before the resume after the missed ones, once', async () => {
    const { from, missed } = await missThree();
    const again = await TestSocket.open(t.url, { token: alice.access_token });
    sockets.push(again);
    const live = await post('live before resume');
    again.send({ type: 'resume', positions: { [general]: from } });
    const after = await post('live after resume');
    await again.next((f) => isEvent(general)(f) && f.seq === after);
    expect(again.events(general).map((e) => e.seq)).toEqual([...missed, live, after]);
  });

  it('honours a resume sent before ready arrived', async () => {
    const { from, missed } = await missThree();
    const early = await TestSocket.open(t.url, { query: `token=${alice.access_token}` });
    sockets.push(early);
    early.send({ type: 'resume', positions: { [general]: from } });
    await early.next((f) => f.type === 'ready');
    await early.next((f) => isEvent(general)(f) && f.seq === missed.at(-1));
    expect(early.events(general).map((e) => e.seq)).toEqual(missed);
  });

  it('honours a resume pipelined right behind an auth frame', async () => {
    const { from, missed } = await missThree();
    const piped = await TestSocket.open(t.url);
    sockets.push(piped);
    piped.send({ type: 'auth', token: alice.access_token });
    piped.send({ type: 'resume', positions: { [general]: from } });
    await piped.next((f) => isEvent(general)(f) && f.seq === missed.at(-1));
    expect(piped.frames.filter((f) => f.type === 'error')).toEqual([]);
    expect(piped.events(general).map((e) => e.seq)).toEqual(missed);
  });

  it('ends the window at the first frame of a client that does not resume', async () => {
    const a = await TestSocket.open(t.url, { token: alice.access_token });
    sockets.push(a);
    const live = await post('held');
    a.send({ type: 'ping' });
    await a.next((f) => isEvent(general)(f) && f.seq === live);
    expect(a.events(general).map((e) => e.seq)).toEqual([live]);
  });
});
