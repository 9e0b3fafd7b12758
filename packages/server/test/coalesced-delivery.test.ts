/**
 * Events of one turn leave a socket together (http/coalesced-writes.ts), and those corked bytes
 * are not a backlog: a client that reads gets a burst larger than its queue limit whole, with
 * no `resync` — over WebSocket and SSE, on a real app.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caller, text } from './helpers/fixtures.js';
import { isEvent, TestSocket, TestStream } from './helpers/realtime-client.js';
import { startTestApp, type TestApp } from './helpers/test-app.js';
import { generalRoomId, registerUser, type TestUser } from './helpers/users.js';

describe('writes of one turn', () => {
  let t: TestApp;
  let alice: TestUser;
  let bob: TestUser;
  let general: string;
  const closers: (() => void)[] = [];

  beforeAll(async () => {
    // A queue limit far below one group-committed batch of ~4 KB messages.
    t = await startTestApp('external', {
      realtimeQueueBytes: 16 * 1024,
      rateLimitSendPerS: 1000,
      rateLimitSendBurst: 1000,
    });
    [alice, bob] = [await registerUser(t.url), await registerUser(t.url)];
    general = await generalRoomId(t.url, alice);
  });
  afterAll(async () => {
    for (const close of closers) close();
    await t.close();
  });

  /** 40 concurrent ~4 KB sends: they commit in shared batches, so their events fan out together. */
  const burst = async () => {
    const call = caller(t.url);
    const big = 'x'.repeat(3900);
    const sent = await Promise.all(
      Array.from({ length: 40 }, async () => {
        const res = await call<{ seq: number }>(bob, 'POST', `/api/v1/rooms/${general}/messages`, {
          content: text(big),
        });
        expect(res.status).toBe(201);
        return res.body.seq;
      }),
    );
    return sent.sort((p, q) => p - q);
  };

  it('are not a backlog over WebSocket', async () => {
    const a = await TestSocket.open(t.url, { token: alice.access_token });
    closers.push(() => a.kill());
    a.send({ type: 'resume', positions: {} });
    const sent = await burst();
    await a.next((f) => isEvent(general)(f) && f.seq === sent.at(-1));
    expect(a.frames.filter((f) => f.type === 'resync')).toEqual([]);
    expect(a.events(general).map((e) => e.seq)).toEqual(sent);
  });

  it('are not a backlog over SSE', async () => {
    const s = await TestStream.open(`${t.url}/api/v1/stream`, alice.headers);
    closers.push(() => s.close());
    const sent = await burst();
    await s.next((f) => isEvent(general)(f) && f.seq === sent.at(-1));
    expect(s.frames.filter((f) => f.type === 'resync')).toEqual([]);
    expect(s.events(general).map((e) => e.seq)).toEqual(sent);
  });
});
