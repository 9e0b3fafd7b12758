/**
 * Server-Sent Events over real HTTP on a real app: the three stream routes, headers proxies need,
 * `id:` cursors and resume by `Last-Event-ID` or `?cursor=` with exactly the missed events, pings,
 * and credentials. Long-polling on the messages route (answered by the first new message or the
 * timeout) runs here too, against the same app.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caller, text } from './helpers/fixtures.js';
import { ENGINES } from './helpers/databases.js';
import { isEvent, TestStream } from './helpers/realtime-client.js';
import { startTestApp, type TestApp } from './helpers/test-app.js';
import { generalRoomId, registerUser, type TestUser } from './helpers/users.js';

describe.each(ENGINES)('SSE and long-polling on %s PostgreSQL', (engine) => {
  let t: TestApp;
  let call: ReturnType<typeof caller>;
  let alice: TestUser;
  let bob: TestUser;
  let general: string;
  const streams: TestStream[] = [];
  const open = async (path: string, headers: Record<string, string> = {}) => {
    const s = await TestStream.open(`${t.url}${path}`, headers);
    streams.push(s);
    return s;
  };
  const post = async (user: TestUser, roomId: string, body: string) =>
    (
      await call<{ seq: number }>(user, 'POST', `/api/v1/rooms/${roomId}/messages`, {
        content: text(body),
      })
    ).body.seq;

  beforeAll(async () => {
    t = await startTestApp(engine, {
      ssePingS: 1,
      rateLimitSendPerS: 1000,
      rateLimitSendBurst: 1000,
    });
    call = caller(t.url);
    [alice, bob] = [await registerUser(t.url), await registerUser(t.url)];
    general = await generalRoomId(t.url, alice);
  });
  afterAll(async () => {
    for (const s of streams) s.close();
    await t.close();
  });

  it('streams both users the same events in order, with proxy-safe headers and pings', async () => {
    const a = await open('/api/v1/stream', alice.headers);
    const b = await open(`/api/v1/messages/stream?token=${bob.access_token}`);
    const h = a.response.headers;
    expect(h.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(h.get('cache-control')).toBe('no-cache, no-transform');
    expect(h.get('x-accel-buffering')).toBe('no');
    expect(h.get('content-encoding')).toBeNull();
    const seqs: number[] = [];
    for (let i = 0; i < 6; i++) seqs.push(await post(i % 2 ? alice : bob, general, `s${i}`));
    for (const s of [a, b]) {
      const events = await s.count(isEvent(general, 'message.created'), 6);
      expect(events.map((e) => e.seq)).toEqual(seqs);
    }
    expect(b.lastId).toBe(String(seqs.at(-1)));
    expect(a.names).toContain('message.created');
    await a.next((f) => f.type === 'ping', 5000);
  });

  it('resumes with Last-Event-ID or ?cursor= and delivers exactly what was missed', async () => {
    const a = await open('/api/v1/stream', alice.headers);
    const room = await open(`/api/v1/rooms/${general}/stream`, alice.headers);
    const first = await post(bob, general, 'before');
    await a.next((f) => isEvent(general)(f) && f.seq === first);
    await room.next((f) => isEvent(general)(f) && f.seq === first);
    const [allCursor, roomCursor] = [a.lastId!, room.lastId!];
    a.close();
    room.close();
    const missed = [await post(bob, general, 'm1'), await post(bob, general, 'm2')];
    const a2 = await open('/api/v1/stream', { ...alice.headers, 'last-event-id': allCursor });
    const r2 = await open(`/api/v1/rooms/${general}/stream?cursor=${roomCursor}`, alice.headers);
    for (const s of [a2, r2]) {
      const events = await s.count(isEvent(general), 2);
      expect(events.map((e) => e.seq)).toEqual(missed);
    }
    const live = await post(bob, general, 'live');
    await a2.next((f) => isEvent(general)(f) && f.seq === live);
    expect(a2.events(general)).toHaveLength(3);
  });

  it('refuses streams without valid credentials or with a bad cursor', async () => {
    expect((await fetch(`${t.url}/api/v1/stream`)).status).toBe(401);
    expect((await fetch(`${t.url}/api/v1/stream?token=nope`)).status).toBe(401);
    const bad = await fetch(`${t.url}/api/v1/rooms/${general}/stream?cursor=abc`, {
      headers: alice.headers,
    });
    expect(bad.status).toBe(400);
  });

  it('long-polls: answered by the first new message, or empty after the wait', async () => {
    const last = await post(alice, general, 'anchor');
    const path = `/api/v1/rooms/${general}/messages?after=${last}&wait=1`;
    const empty = await call<{ messages: unknown[]; has_more: boolean }>(bob, 'GET', path);
    expect(empty.body).toEqual({ messages: [], has_more: false });
    const polling = call<{ messages: { seq: number }[] }>(
      bob,
      'GET',
      `/api/v1/rooms/${general}/messages?after=${last}&wait=25`,
    );
    await new Promise((r) => setTimeout(r, 200));
    const seq = await post(alice, general, 'wake up');
    const answer = await polling;
    expect(answer.status).toBe(200);
    expect(answer.body.messages.map((m) => m.seq)).toEqual([seq]);
  });
});
