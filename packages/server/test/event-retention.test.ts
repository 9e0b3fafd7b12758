/**
 * Retention of the event log: old events are pruned in batches by one node at a time, messages
 * stay readable, and a client resuming from a pruned position is told to resync.
 */
import pino from 'pino';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ParleyClient, RealtimeConnection } from '@parley/client';
import { createEventRetention } from '../src/domain/event-retention.js';
import { ENGINES } from './helpers/databases.js';
import { startTestApp, type TestApp } from './helpers/test-app.js';
import { TEST_PASSWORD, uniqueUsername } from './helpers/users.js';

const log = pino({ level: 'silent' });

describe.each(ENGINES)('event log retention on %s PostgreSQL', (engine) => {
  let t: TestApp;
  let client: ParleyClient;
  let roomId: string;

  beforeAll(async () => {
    t = await startTestApp(engine);
    client = new ParleyClient({ baseUrl: t.url });
    await client.auth.register({ username: uniqueUsername('ret'), password: TEST_PASSWORD });
    roomId = (await client.rooms.create({ name: uniqueUsername('ret'), visibility: 'public' })).id;
    for (let i = 0; i < 5; i++) {
      await client.messages.send(roomId, { content: { type: 'text', text: `old ${i}` } });
    }
    // Age this room's whole log past the retention window.
    await t.pool.query(
      `UPDATE events SET created_at = now() - interval '40 days' WHERE room_id = $1`,
      [roomId],
    );
  });
  afterAll(() => t.close());

  it('deletes only events older than the window, one node at a time', async () => {
    const fresh = await client.messages.send(roomId, { content: { type: 'text', text: 'fresh' } });
    const a = createEventRetention(t.pool, log, { retentionDays: 30 });
    const b = createEventRetention(t.pool, log, { retentionDays: 30 });
    const [x, y] = await Promise.all([a.pruneOnce(), b.pruneOnce()]);
    expect(x + y).toBeGreaterThanOrEqual(6); // member.joined + 5 messages, at least
    const { rows } = await t.pool.query<{ seq: number }>(
      'SELECT seq FROM events WHERE room_id = $1',
      [roomId],
    );
    expect(rows.map((r) => r.seq)).toEqual([fresh.message.seq]);
    // Messages are history, not log: all still readable.
    const page = await client.messages.list(roomId, { limit: 50 });
    expect(page.messages).toHaveLength(6);
    expect(await createEventRetention(t.pool, log, { retentionDays: 0 }).pruneOnce()).toBe(0);
  });

  it('tells a client resuming from a pruned position to resync', async () => {
    const rt = new RealtimeConnection({
      baseUrl: t.url,
      getToken: () => client.token,
      WebSocket: WebSocket,
      positions: { [roomId]: 1 },
    });
    try {
      const resync = await new Promise<{ room_id: string; reason: string }>((resolve, reject) => {
        rt.on('resync', resolve);
        setTimeout(() => reject(new Error('no resync within 10 s')), 10_000);
      });
      expect(resync).toEqual({ room_id: roomId, reason: 'history_unavailable' });
    } finally {
      rt.close();
    }
  });
});
