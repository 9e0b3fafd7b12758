/**
 * Group commit (send-batcher.ts) keeps every guarantee of the one-statement send: concurrent
 * sends really share statements, per-room seqs stay gap-free and match their events, each ack
 * means committed, idempotency keys (repeated inside a batch, or already committed) replay the
 * original, and one bad send in a batch never fails the others.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Actor } from '../src/domain/actor.js';
import type { NewMessage } from '../src/domain/messages/message.repository.js';
import { SendBatcher } from '../src/domain/messages/send-batcher.js';
import { ENGINES } from './helpers/databases.js';
import { codeOf, settle, startChat, text, type ChatFixture } from './helpers/fixtures.js';

describe.each(ENGINES)('send batcher (%s PostgreSQL)', (engine) => {
  let f: ChatFixture;
  let users: Actor[];
  let rooms: string[];

  beforeAll(async () => {
    f = await startChat(engine, { rateLimitSendPerS: 1_000_000, rateLimitSendBurst: 1_000_000 });
    users = await Promise.all(Array.from({ length: 8 }, () => f.user()));
    rooms = [];
    for (let r = 0; r < 4; r++) {
      const room = await f.chat.rooms.create(users[0]!, {
        name: `batch-${r}`,
        visibility: 'public',
      });
      rooms.push(room.id);
      for (const u of users.slice(1)) await f.chat.members.join(u, room.id);
    }
  });
  afterAll(() => f.close());

  const newMessage = (
    roomId: string,
    authorId: string,
    n: number,
    key: string | null = null,
  ): NewMessage => ({
    roomId,
    authorId,
    content: text(`direct ${n}`),
    replyTo: null,
    idempotencyKey: key,
    requestHash: key,
  });

  it('coalesces concurrent sends into few statements, with gap-free seqs matching their events', async () => {
    const batcher = new SendBatcher(f.pool);
    const before = await lastSeqs();
    const spy = vi.spyOn(f.pool, 'query');
    const events = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        batcher.insert(newMessage(rooms[i % 4]!, users[i % 8]!.id, i)),
      ),
    );
    const statements = spy.mock.calls.length;
    spy.mockRestore();
    expect(statements).toBeLessThan(10);

    const after = await lastSeqs();
    for (const [r, roomId] of rooms.entries()) {
      const seqs = events.filter((e) => e?.room_id === roomId).map((e) => e!.seq);
      // Within a room, arrival order is seq order, and the seqs are exactly the next ones.
      expect(seqs).toEqual(Array.from({ length: 50 }, (_, k) => before[r]! + k + 1));
      expect(after[r]).toBe(before[r]! + 50);
    }
    // Each event is the committed row: same id, seq and content, and the log is gap-free.
    const { rows } = await f.pool.query<{ bad: number }>(
      `SELECT count(*)::int AS bad FROM messages m
       LEFT JOIN events e ON e.room_id = m.room_id AND e.seq = m.seq AND e.type = 'message.created'
                          AND e.payload ->> 'id' = m.id::text AND e.payload -> 'content' = m.content
       WHERE m.room_id = ANY($1::uuid[]) AND e.seq IS NULL`,
      [rooms],
    );
    expect(rows[0]!.bad).toBe(0);
    const { rows: gaps } = await f.pool.query<{ room_id: string; n: number; max: number }>(
      `SELECT room_id, count(*)::int AS n, max(seq)::int AS max FROM events
       WHERE room_id = ANY($1::uuid[]) GROUP BY room_id`,
      [rooms],
    );
    for (const g of gaps) expect(g.n).toBe(g.max);
    const first = events[0]!;
    expect(typeof first.data.id).toBe('string');
    expect(first.data).toMatchObject({
      room_id: rooms[0],
      seq: first.seq,
      author: { id: users[0]!.id, username: users[0]!.username },
      content: text('direct 0'),
      reply_to: null,
      reactions: [],
      edited_at: null,
      deleted: false,
    });
    expect(first.data.created_at).toBe(first.at);
  });

  it('replays repeated and already-committed idempotency keys, and keeps the others', async () => {
    const author = users[1]!;
    const committed = await f.chat.messages.send(author, {
      roomId: rooms[1]!,
      content: text('first'),
      idempotencyKey: 'committed-key',
    });
    const sends = [
      // the same key twice in one burst, same body: one message, one replay
      ...[0, 1].map(() =>
        f.chat.messages.send(author, {
          roomId: rooms[1]!,
          content: text('twice'),
          idempotencyKey: 'dup-key',
        }),
      ),
      // a key committed before: the original comes back
      f.chat.messages.send(author, {
        roomId: rooms[1]!,
        content: text('first'),
        idempotencyKey: 'committed-key',
      }),
      // plain sends around them
      ...Array.from({ length: 20 }, (_, i) =>
        f.chat.messages.send(users[i % 8]!, {
          roomId: rooms[i % 4]!,
          content: text(`around ${i}`),
          idempotencyKey: `k-${i}`,
        }),
      ),
    ];
    const [a, b, again, ...rest] = await Promise.all(sends);
    expect(a!.message.id).toBe(b!.message.id);
    expect([a!.replayed, b!.replayed].sort()).toEqual([false, true]);
    expect(again!.replayed).toBe(true);
    expect(again!.message.id).toBe(committed.message.id);
    expect(rest.every((r) => !r.replayed)).toBe(true);
    const { rows } = await f.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM messages WHERE author_id = $1 AND idempotency_key = 'dup-key'`,
      [author.id],
    );
    expect(rows[0]!.n).toBe(1);
    // The same key with another body is refused without failing its batch-mates.
    const [reused, ok] = await Promise.all([
      codeOf(
        f.chat.messages.send(author, {
          roomId: rooms[1]!,
          content: text('other'),
          idempotencyKey: 'committed-key',
        }),
      ),
      f.chat.messages.send(author, { roomId: rooms[1]!, content: text('fine') }),
    ]);
    expect(reused).toBe('idempotency_key_reused');
    expect(ok.replayed).toBe(false);
  });

  it('answers each send of a batch on its own: unknown room, not a member, archived room', async () => {
    const batcher = new SendBatcher(f.pool);
    const ghost = '00000000-0000-4000-8000-000000000000';
    const stranger = await f.user();
    const outcomes = await settle([
      batcher.insert(newMessage(rooms[2]!, users[2]!.id, 1)),
      batcher.insert(newMessage(rooms[2]!, users[2]!.id, 2)),
      batcher.insert(newMessage(ghost, users[2]!.id, 3)), // no such room: nothing written
      batcher.insert(newMessage(rooms[3]!, ghost, 4)), // no such author: nothing written
      batcher.insert(newMessage(rooms[3]!, stranger.id, 5)), // not a member: nothing written
      batcher.insert(newMessage(rooms[3]!, users[3]!.id, 6)),
    ]);
    expect(outcomes[2]).toBeUndefined();
    expect(outcomes[3]).toBeUndefined();
    expect(outcomes[4]).toBeUndefined();
    const placed = [outcomes[0], outcomes[1], outcomes[5]] as { seq: number; room_id: string }[];
    expect(placed.map((e) => e.room_id)).toEqual([rooms[2], rooms[2], rooms[3]]);
    expect(placed[1]!.seq).toBe(placed[0]!.seq + 1);

    const room = await f.chat.rooms.create(users[0]!, { name: 'to-archive', visibility: 'public' });
    await f.chat.rooms.archive(users[0]!, room.id);
    const [archived, fine] = await settle([
      batcher.insert(newMessage(room.id, users[0]!.id, 7)),
      batcher.insert(newMessage(rooms[0]!, users[0]!.id, 8)),
    ]);
    expect(archived).toBeUndefined();
    expect((fine as { room_id: string }).room_id).toBe(rooms[0]);
    const gaps = await lastSeqs();
    const { rows } = await f.pool.query<{ room_id: string; n: number }>(
      `SELECT room_id, count(*)::int AS n FROM events WHERE room_id = ANY($1::uuid[]) GROUP BY room_id`,
      [rooms],
    );
    for (const r of rows) expect(r.n).toBe(gaps[rooms.indexOf(r.room_id)]);
  });

  it('batches of two nodes on shared rooms neither deadlock nor fall back, and keep seqs gap-free', async () => {
    // Two batchers on one database are two nodes: their batches run concurrently, each over all
    // four rooms, in an order that differs per batch. Rooms are locked in id order, so they queue
    // for each other; a deadlock would fail a batch and send its messages one by one.
    const nodes = [new SendBatcher(f.pool), new SendBatcher(f.pool)];
    const before = await lastSeqs();
    const spy = vi.spyOn(f.pool, 'query');
    const order = (i: number) => (i * 7 + Math.floor(i / 13)) % 4;
    const events = await Promise.all(
      Array.from({ length: 400 }, (_, i) =>
        nodes[i % 2]!.insert(newMessage(rooms[order(i)]!, users[i % 8]!.id, i)),
      ),
    );
    const batches = spy.mock.calls.flatMap(([q], i) =>
      typeof q === 'object' && (q as { name?: string }).name === 'parley_send_batch'
        ? [spy.mock.results[i]!.value as Promise<unknown>]
        : [],
    );
    spy.mockRestore();
    expect(events.every((e) => e !== undefined)).toBe(true);
    expect(batches.length).toBeGreaterThan(2);
    const failed = (await Promise.allSettled(batches)).filter((r) => r.status === 'rejected');
    expect(failed).toEqual([]);
    const after = await lastSeqs();
    for (const [r, roomId] of rooms.entries()) {
      const seqs = events.filter((e) => e!.room_id === roomId).map((e) => e!.seq);
      expect(seqs.toSorted((x, y) => x - y)).toEqual(
        Array.from({ length: after[r]! - before[r]! }, (_, k) => before[r]! + k + 1),
      );
    }
  });

  it("keeps one room's sends in call order with two batches in flight", async () => {
    const batcher = new SendBatcher(f.pool);
    const events = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        batcher.insert(newMessage(rooms[i % 2]!, users[1]!.id, i)),
      ),
    );
    for (const roomId of [rooms[0], rooms[1]]) {
      const seqs = events.filter((e) => e!.room_id === roomId).map((e) => e!.seq);
      expect(seqs).toEqual(seqs.toSorted((x, y) => x - y));
    }
  });

  async function lastSeqs(): Promise<number[]> {
    const { rows } = await f.pool.query<{ id: string; last_seq: number }>(
      'SELECT id, last_seq FROM rooms WHERE id = ANY($1::uuid[])',
      [rooms],
    );
    return rooms.map((id) => rows.find((r) => r.id === id)!.last_seq);
  }
});
