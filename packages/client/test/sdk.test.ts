/**
 * The SDK against a real Parley (real PostgreSQL, real WebSocket): what the web app, the
 * benchmarks and bots rely on.
 */
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ParleyClient,
  ParleyError,
  RealtimeConnection,
  type RoomEvent,
  type WebSocketCtor,
} from '../src/index.js';
import { startTestApp, type TestApp } from '../../server/test/helpers/test-app.js';
import { uniqueUsername } from '../../server/test/helpers/users.js';

const PASSWORD = 'correct horse battery staple';
const WS = WebSocket as unknown as WebSocketCtor;

/** Resolves when `predicate` holds for the collected items; polls on every new item. */
function until<T>(
  items: T[],
  predicate: (items: T[]) => boolean,
  what: string,
  ms = 10_000,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = () => {
      if (predicate(items)) return resolve();
      if (Date.now() - started > ms) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 20);
    };
    tick();
  });
}

describe('@parley/client against a real server', () => {
  let t: TestApp;
  let alice: ParleyClient;
  let bob: ParleyClient;
  let roomId: string;
  const sockets: RealtimeConnection[] = [];
  const connect = (client: ParleyClient, positions?: Record<string, number>) => {
    const c = new RealtimeConnection({
      baseUrl: t.url,
      getToken: () => client.token,
      WebSocket: WS,
      ...(positions ? { positions } : {}),
    });
    sockets.push(c);
    return c;
  };

  beforeAll(async () => {
    // A minute-long resume window: live events reach these clients at once only because the
    // SDK ends it with its `resume` right after `ready`, with or without positions.
    t = await startTestApp('external', {
      rateLimitSendPerS: 1000,
      rateLimitSendBurst: 1000,
      wsResumeGraceMs: 60_000,
    });
    alice = new ParleyClient({ baseUrl: t.url });
    bob = new ParleyClient({ baseUrl: t.url });
    await alice.auth.register({
      username: uniqueUsername('alice'),
      password: PASSWORD,
      display_name: 'Alice',
    });
    await bob.auth.register({ username: uniqueUsername('bob'), password: PASSWORD });
    const room = await alice.rooms.create({ name: uniqueUsername('sdk'), visibility: 'public' });
    roomId = room.id;
    await bob.rooms.join(roomId);
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await t.close();
  });

  it('registers, reads its profile and decodes API errors', async () => {
    const me = await alice.me.get();
    expect(me.display_name).toBe('Alice');
    const err = await alice.rooms
      .get('00000000-0000-0000-0000-000000000000')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ParleyError);
    expect(err).toMatchObject({ status: 404, code: 'not_found' });
  });

  it('sends idempotently: the same key twice is one message, replayed the second time', async () => {
    const first = await alice.messages.send(
      roomId,
      { content: { type: 'text', text: 'once' } },
      'key-sdk-1',
    );
    const again = await alice.messages.send(
      roomId,
      { content: { type: 'text', text: 'once' } },
      'key-sdk-1',
    );
    expect(first.replayed).toBe(false);
    expect(again.replayed).toBe(true);
    expect(again.message.id).toBe(first.message.id);
    const page = await bob.messages.list(roomId, { after: first.message.seq - 1 });
    expect(page.messages.filter((m) => m.id === first.message.id)).toHaveLength(1);
  });

  it('refreshes an access token silently and keeps working', async () => {
    const tokens: unknown[] = [];
    const c = new ParleyClient({ baseUrl: t.url, onTokens: (x) => tokens.push(x) });
    const name = uniqueUsername('carol');
    await c.auth.register({ username: name, password: PASSWORD });
    c.http.token = 'not-a-valid-token';
    expect((await c.me.get()).username).toBe(name);
    expect(tokens).toHaveLength(2); // register, then the silent refresh
  });

  it('delivers realtime events in order and acknowledges sends over the socket', async () => {
    const aliceRt = connect(alice);
    const bobRt = connect(bob);
    const seen: RoomEvent[] = [];
    bobRt.on('event', (e) => e.room_id === roomId && seen.push(e));
    await until(
      [aliceRt, bobRt],
      (xs) => xs.every((x) => x.state === 'open'),
      'both connections ready',
    );
    const acked = await Promise.all(
      [1, 2, 3].map((n) => aliceRt.send(roomId, { type: 'text', text: `rt ${n}` })),
    );
    expect(acked.map((m) => m.room_id)).toEqual([roomId, roomId, roomId]);
    await until(
      seen,
      (xs) => xs.filter((e) => e.event === 'message.created').length >= 3,
      'three events',
    );
    const seqs = seen.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
  });

  it('resumes after a disconnect and receives exactly what it missed', async () => {
    const bobRt = connect(bob);
    const seen: RoomEvent[] = [];
    bobRt.on('event', (e) => e.room_id === roomId && seen.push(e));
    await until([bobRt], (xs) => xs[0]?.state === 'open', 'bob connected');
    const before = await alice.messages.send(roomId, { content: { type: 'text', text: 'before' } });
    await until(seen, (xs) => xs.some((e) => e.seq === before.message.seq), 'the first message');
    const position = bobRt.positions.get(roomId) ?? 0;
    bobRt.close();

    const missed = [];
    for (const n of [1, 2, 3, 4])
      missed.push(
        (await alice.messages.send(roomId, { content: { type: 'text', text: `missed ${n}` } }))
          .message,
      );

    const again = connect(bob, { [roomId]: position });
    const replay: RoomEvent[] = [];
    again.on('event', (e) => e.room_id === roomId && replay.push(e));
    const last = missed.at(-1)!.seq;
    await until(replay, (xs) => xs.some((e) => e.seq === last), 'the replayed messages');
    const replayedIds = replay
      .filter((e) => e.event === 'message.created')
      .map((e) => (e.data as { id: string }).id);
    expect(replayedIds).toEqual(missed.map((m) => m.id));
    expect(replay.map((e) => e.seq)).toEqual(replay.map((_, i) => position + 1 + i));
  });

  it('delivers a send queued while offline exactly once when the connection returns', async () => {
    const rt = new RealtimeConnection({
      baseUrl: t.url,
      getToken: () => alice.token,
      WebSocket: WS,
    });
    sockets.push(rt);
    // Queued before the socket is even open: it must go out once, on `ready`.
    const sent = await rt.send(
      roomId,
      { type: 'text', text: 'queued while connecting' },
      'offline-key-1',
    );
    const retried = await rt.send(
      roomId,
      { type: 'text', text: 'queued while connecting' },
      'offline-key-1',
    );
    expect(retried.id).toBe(sent.id);
    const page = await alice.messages.list(roomId, { after: sent.seq - 1 });
    expect(page.messages.filter((m) => m.id === sent.id)).toHaveLength(1);
  });
});

describe('@parley/client realtime sends under the WebSocket frame limit', () => {
  let t: TestApp;
  afterAll(() => t.close());

  it('the server names refused sends; the SDK sends them again until each is stored once', async () => {
    t = await startTestApp('external', {
      wsFramesPerS: 5,
      wsFrameBurst: 3,
      rateLimitSendPerS: 1000,
      rateLimitSendBurst: 1000,
    });
    const client = new ParleyClient({ baseUrl: t.url });
    await client.auth.register({ username: uniqueUsername('pace'), password: PASSWORD });
    const room = await client.rooms.create({ name: uniqueUsername('pace'), visibility: 'public' });

    // A raw burst past the limit: every refused send gets an error frame with its client_id.
    const raw = new WebSocket(`${t.url.replace('http', 'ws')}/api/v1/ws`);
    const answered = new Map<string, string>();
    await new Promise<void>((resolve, reject) => {
      raw.on('open', () => raw.send(JSON.stringify({ type: 'auth', token: client.token })));
      raw.on('error', reject);
      raw.on('message', (data: Buffer) => {
        const f = JSON.parse(data.toString()) as {
          type: string;
          code?: string;
          client_id?: string;
        };
        if (f.type === 'ready') {
          for (let i = 0; i < 8; i++) {
            const content = { type: 'text', text: `raw ${i}` };
            raw.send(
              JSON.stringify({ type: 'send', room_id: room.id, content, client_id: `raw-${i}` }),
            );
          }
        }
        if ((f.type === 'ack' || f.type === 'error') && f.client_id) {
          answered.set(f.client_id, f.type === 'ack' ? 'ack' : (f.code ?? 'error'));
          if (answered.size === 8) resolve();
        }
      });
    });
    raw.close();
    expect([...answered.values()]).toContain('rate_limited');

    const rt = new RealtimeConnection({
      baseUrl: t.url,
      getToken: () => client.token,
      WebSocket: WS,
    });
    try {
      const sent = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          rt.send(room.id, { type: 'text', text: `paced ${i}` }),
        ),
      );
      expect(new Set(sent.map((m) => m.id)).size).toBe(10);
      const page = await client.messages.list(room.id, { limit: 50 });
      const texts = page.messages.map((m) => (m.content as { text?: string } | null)?.text);
      expect(texts.filter((x) => x?.startsWith('paced '))).toHaveLength(10);
    } finally {
      rt.close();
    }
  });
});
