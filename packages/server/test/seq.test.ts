/**
 * The event log's core promise (DESIGN.md "Writes and delivery"): within a room, every change
 * gets the next seq — gap-free, each exactly once — even with many concurrent writers, and a
 * message's seq is the seq of its own `message.created` event.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../src/domain/actor.js';
import { ENGINES } from './helpers/databases.js';
import { startChat, text, type ChatFixture } from './helpers/fixtures.js';

const WRITERS = 20;
const PER_WRITER = 100;

describe.each(ENGINES)('seq assignment under concurrency (%s PostgreSQL)', (engine) => {
  let f: ChatFixture;
  let writers: Actor[];
  let roomId: string;

  beforeAll(async () => {
    f = await startChat(
      engine,
      { rateLimitSendPerS: 1_000_000, rateLimitSendBurst: 1_000_000 },
      { poolMax: WRITERS + 2 },
    );
    writers = await Promise.all(Array.from({ length: WRITERS }, () => f.user()));
    const room = await f.chat.rooms.create(writers[0]!, { name: 'race', visibility: 'public' });
    roomId = room.id;
    for (const w of writers.slice(1)) await f.chat.members.join(w, roomId);
  });
  afterAll(() => f.close());

  it(`${WRITERS} concurrent writers × ${PER_WRITER} messages: seqs are exactly 1..N, each once`, async () => {
    const { rows: before } = await f.pool.query<{ last_seq: number }>(
      'SELECT last_seq FROM rooms WHERE id = $1',
      [roomId],
    );
    const start = before[0]!.last_seq; // the owner's and members' join events came first

    const sent = await Promise.all(
      writers.map(async (w, i) => {
        const seqs: number[] = [];
        for (let n = 0; n < PER_WRITER; n++) {
          const { message } = await f.chat.messages.send(w, {
            roomId,
            content: text(`writer ${i} message ${n}`),
          });
          seqs.push(message.seq);
        }
        return seqs;
      }),
    );

    // Each writer saw its own seqs strictly increase; together they are start+1..start+N, once each.
    for (const seqs of sent)
      for (let k = 1; k < seqs.length; k++) expect(seqs[k]).toBeGreaterThan(seqs[k - 1]!);
    const all = sent.flat().sort((a, b) => a - b);
    const total = WRITERS * PER_WRITER;
    expect(all).toEqual(Array.from({ length: total }, (_, k) => start + k + 1));

    // The database agrees: the event log is gap-free from 1 to last_seq, and every message's
    // seq is its message.created event.
    const { rows } = await f.pool.query<{
      last_seq: number;
      events: number;
      min: number;
      max: number;
      distinct_seqs: number;
    }>(
      `SELECT r.last_seq, count(e.seq)::int AS events, min(e.seq) AS min, max(e.seq) AS max,
              count(DISTINCT e.seq)::int AS distinct_seqs
       FROM rooms r JOIN events e ON e.room_id = r.id WHERE r.id = $1 GROUP BY r.last_seq`,
      [roomId],
    );
    expect(rows[0]).toEqual({
      last_seq: start + total,
      events: start + total,
      min: 1,
      max: start + total,
      distinct_seqs: start + total,
    });
    const { rows: mismatched } = await f.pool.query(
      `SELECT m.seq FROM messages m
       LEFT JOIN events e ON e.room_id = m.room_id AND e.seq = m.seq AND e.type = 'message.created'
                          AND e.payload ->> 'id' = m.id::text
       WHERE m.room_id = $1 AND e.seq IS NULL`,
      [roomId],
    );
    expect(mismatched).toEqual([]);
  });

  it('keeps the log gap-free when sends, edits, reactions and deletes race', async () => {
    const { message: target } = await f.chat.messages.send(writers[0]!, {
      roomId,
      content: text('react to me'),
    });
    const emojis = ['👍', '🎉', '❤️', ':ship-it:'];
    await Promise.all(
      writers.map(async (w, i) => {
        const { message } = await f.chat.messages.send(w, { roomId, content: text(`mixed ${i}`) });
        await f.chat.reactions.add(w, target.id, emojis[i % emojis.length]!);
        await f.chat.messages.edit(w, message.id, { content: text(`mixed ${i}, edited`) });
        if (i % 2 === 0) await f.chat.messages.remove(w, message.id);
        await f.chat.reactions.remove(w, target.id, emojis[i % emojis.length]!);
      }),
    );
    const { rows } = await f.pool.query<{ seq: number }>(
      'SELECT seq FROM events WHERE room_id = $1 ORDER BY seq',
      [roomId],
    );
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: rows.length }, (_, k) => k + 1));
    const { rows: room } = await f.pool.query<{ last_seq: number }>(
      'SELECT last_seq FROM rooms WHERE id = $1',
      [roomId],
    );
    expect(room[0]!.last_seq).toBe(rows.length);
    // Published (post-commit) events of this room are exactly the log's, no more, no fewer.
    const published = f.published.filter((e) => e.room_id === roomId).map((e) => e.seq);
    expect(new Set(published).size).toBe(published.length);
  });
});
