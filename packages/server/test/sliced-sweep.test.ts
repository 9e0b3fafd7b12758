import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { sweep } from '../src/http/sliced-sweep.js';
import { startTestApp, type TestApp } from './helpers/test-app.js';
import { registerUser } from './helpers/users.js';

describe('sweep', () => {
  it('visits every item, yielding to the event loop between slices', async () => {
    const items = new Set(Array.from({ length: 10 }, (_, i) => i));
    const order: string[] = [];
    setImmediate(() => order.push('other work'));
    await sweep(items, (i) => order.push(String(i)), 4);
    // Other work ran after the first slice, not after the whole sweep.
    expect(order.indexOf('other work')).toBe(4);
    expect(order.filter((o) => o !== 'other work')).toEqual(
      Array.from({ length: 10 }, (_, i) => String(i)),
    );
  });

  it('skips items that left the set meanwhile and goes on past a visit that throws', async () => {
    const items = new Set([1, 2, 3, 4, 5, 6]);
    const seen: number[] = [];
    setImmediate(() => items.delete(5));
    await sweep(
      items,
      (i) => {
        seen.push(i);
        if (i === 2) throw new Error('closing under the sweep');
      },
      3,
    );
    expect(seen).toEqual([1, 2, 3, 4, 6]);
  });
});

describe('WebSocket heartbeat', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('external', { wsPingS: 1 });
  });
  afterAll(() => t.close());

  it('cuts a peer that stops answering pings and keeps one that answers', async () => {
    const u = await registerUser(t.url);
    const url = `${t.url.replace('http', 'ws')}/api/v1/ws?token=${u.access_token}`;
    const connect = (autoPong: boolean) =>
      new Promise<WebSocket>((resolve, reject) => {
        const ws = new WebSocket(url, { autoPong });
        ws.once('open', () => resolve(ws));
        ws.once('error', reject);
      });
    const [alive, silent] = await Promise.all([connect(true), connect(false)]);
    const closed = new Promise<number>((resolve) => silent.once('close', resolve));
    expect(await closed).toBe(1006); // terminated: no close frame
    await vi.waitFor(() => expect(alive.readyState).toBe(WebSocket.OPEN));
    alive.close();
  });
});
