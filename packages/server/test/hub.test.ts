/**
 * The hub and both broker adapters, one suite: two hub "nodes" share a broker (an in-process bus,
 * or Redis with a per-run prefix) and a real PostgreSQL. Ordering, encode-once, gap detection,
 * reconciliation after an unpublished commit, resume, slow consumers, long-poll waits and
 * membership-following all run against each combination.
 */
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../src/db/migrate.js';
import { createPool, withTransaction, type Pool } from '../src/db/pool.js';
import { appendEvent } from '../src/domain/event-log.js';
import type { Hub } from '../src/realtime/hub.js';
import { createTestDatabase, ENGINES, type TestDatabase } from './helpers/databases.js';
import {
  BROKERS,
  brokerFactory,
  commitEvents,
  createRoom,
  eventually,
  range,
  RecordingSink,
  startHub,
} from './helpers/realtime.js';

describe.each(ENGINES)('realtime hub on %s PostgreSQL', (engine) => {
  let db: TestDatabase;
  let pool: Pool;

  beforeAll(async () => {
    db = await createTestDatabase(engine);
    pool = createPool(db.url, 10);
    await migrate(pool, pino({ level: 'silent' }));
  });
  afterAll(async () => {
    await pool.end();
    await db.drop();
  });

  describe.each(BROKERS)('with the %s broker', (kind) => {
    let a: Hub;
    let b: Hub;
    const hubs: Hub[] = [];

    beforeAll(async () => {
      const broker = brokerFactory(kind);
      a = await startHub(await broker(), pool, { reconcileMs: 100 });
      b = await startHub(await broker(), pool, { reconcileMs: 100 });
      hubs.push(a, b);
    });
    afterAll(async () => {
      for (const hub of hubs) await hub.close();
    });

    it('delivers in seq order on both nodes, encoding each event once per node', async () => {
      const room = await createRoom(pool);
      const [s1, s2, s3] = [
        new RecordingSink('u1'),
        new RecordingSink('u2'),
        new RecordingSink('u3'),
      ];
      const subs = [a.connect(s1, true), a.connect(s2, true), b.connect(s3, true)];
      await Promise.all(subs.map((s, i) => (i < 2 ? a : b).join(s, [{ roomId: room }])));
      const events = await commitEvents(pool, room, 20);
      for (const e of events) a.publish([e]);
      for (const sink of [s1, s2, s3])
        await eventually(() => sink.frames.length === 20, 'all events');
      for (const sink of [s1, s2, s3]) expect(sink.seqs()).toEqual(range(1, 20));
      // The same Outbound object (one JSON string, one buffer) went to every local recipient.
      s1.frames.forEach((f, i) => expect(s2.frames[i]).toBe(f));
      expect(s3.parsed()).toEqual(events);
      subs.forEach((s, i) => (i < 2 ? a : b).disconnect(s));
    });

    it('fills a gap left by a lost publish from the event log, in order', async () => {
      const room = await createRoom(pool);
      const sink = new RecordingSink('u1');
      const sub = b.connect(sink, true);
      await b.join(sub, [{ roomId: room }]);
      const events = await commitEvents(pool, room, 5);
      a.publish([events[0]!, events[1]!, events[4]!]); // 3 and 4 are "lost"
      await eventually(() => sink.frames.length === 5, 'gap filled');
      expect(sink.seqs()).toEqual(range(1, 5));
      b.disconnect(sub);
    });

    it('delivers a commit that was never published (node died after commit) by reconciliation', async () => {
      const room = await createRoom(pool);
      const sink = new RecordingSink('u1');
      const sub = b.connect(sink, true);
      await b.join(sub, [{ roomId: room }]);
      await commitEvents(pool, room, 3); // nobody publishes
      await eventually(() => sink.frames.length === 3, 'reconciled events');
      expect(sink.seqs()).toEqual([1, 2, 3]);
      b.disconnect(sub);
    });

    it('resumes from a position with exactly the missed events, then goes live', async () => {
      const room = await createRoom(pool);
      await commitEvents(pool, room, 7);
      const sink = new RecordingSink('u1');
      const sub = b.connect(sink, true);
      await b.join(sub, [{ roomId: room, from: 3 }]);
      await eventually(() => sink.frames.length === 4, 'catch-up');
      const more = await commitEvents(pool, room, 2);
      a.publish(more);
      await eventually(() => sink.frames.length === 6, 'live events');
      expect(sink.seqs()).toEqual(range(4, 9));
      b.disconnect(sub);
    });

    it('tells a stalled subscriber to resync while others keep receiving', async () => {
      const room = await createRoom(pool);
      const slow = new RecordingSink('slow');
      const fast = new RecordingSink('fast');
      const subs = [b.connect(slow, true), b.connect(fast, true)];
      for (const s of subs) await b.join(s, [{ roomId: room }]);
      slow.backlog = 10 << 20; // its socket stopped draining
      const events = await commitEvents(pool, room, 10);
      a.publish(events);
      await eventually(() => fast.frames.length === 10, 'fast subscriber');
      expect(slow.frames).toHaveLength(0);
      slow.backlog = 0; // it reads again
      await eventually(() => slow.frames.length === 1, 'resync');
      expect(slow.parsed()[0]).toEqual({
        type: 'resync',
        room_id: room,
        reason: 'slow_consumer',
        seq: 10,
      });
      a.publish(await commitEvents(pool, room, 1));
      await eventually(() => slow.frames.length === 2, 'live after resync');
      expect(slow.seqs()).toEqual([11]);
      for (const s of subs) b.disconnect(s);
    });

    it('answers a long-poll wait with the first new event, or the timeout', async () => {
      const room = await createRoom(pool);
      expect(await b.waitFor(room, 0, 50)).toBe(false);
      const waiting = b.waitFor(room, 0, 10_000);
      const [event] = await commitEvents(pool, room, 1);
      a.publish([event!]);
      expect(await waiting).toBe(true);
      // Already newer than the caller's position: answered at once.
      expect(await b.waitFor(room, 0, 10_000)).toBe(true);
    });

    it("follows a user's new membership on every node, from the join event on", async () => {
      const room = await createRoom(pool);
      const userId = randomUUID();
      const sink = new RecordingSink(userId);
      const sub = b.connect(sink, true);
      // Joining another room waits for its broker subscription, issued after the user topic's on
      // the same connection: once it is confirmed, so is the user topic.
      await b.join(sub, [{ roomId: await createRoom(pool) }]);
      const joined = await withTransaction(pool, (tx) =>
        appendEvent(tx, room, 'member.joined', { user: { id: userId }, role: 'member' }),
      );
      a.publish([joined]);
      await eventually(() => sink.frames.length === 1, 'member.joined');
      expect(sink.parsed()[0]).toEqual(joined);
      const left = await withTransaction(pool, (tx) =>
        appendEvent(tx, room, 'member.left', { user: { id: userId }, role: 'member' }),
      );
      a.publish([left]);
      await eventually(() => sink.frames.length === 2, 'member.left');
      expect(sub.channels.has(room)).toBe(false);
      expect(sink.parsed()[1]).toEqual(left);
      b.disconnect(sub);
    });

    it('sends typing to the other members of the room on every node, not back to its author', async () => {
      const room = await createRoom(pool);
      const [me, other] = [new RecordingSink('me'), new RecordingSink('other')];
      const subs = [a.connect(me, true), b.connect(other, true)];
      await a.join(subs[0]!, [{ roomId: room }]);
      await b.join(subs[1]!, [{ roomId: room }]);
      a.signal({ type: 'typing', room_id: room, user_id: 'me' });
      await eventually(() => other.frames.length === 1, 'typing');
      expect(other.parsed()[0]).toEqual({ type: 'typing', room_id: room, user_id: 'me' });
      expect(me.frames).toHaveLength(0);
      a.disconnect(subs[0]!);
      b.disconnect(subs[1]!);
    });
  });
});
