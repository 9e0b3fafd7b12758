/**
 * The older-history cache (history-blocks.ts) on a real database: every `before`/`after` page it
 * serves equals the database's, for each reader; and a change made by another node — an edit, a
 * reaction, a deletion, a rename, even by hand in SQL — shows on the next read, while new
 * messages leave the cached blocks valid.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../src/domain/actor.js';
import type { ChatServices } from '../src/domain/messages/chat-services.js';
import { BLOCK_SEQS } from '../src/domain/messages/history-blocks.js';
import type { HistoryQuery } from '../src/domain/messages/history.service.js';
import { ENGINES } from './helpers/databases.js';
import { startChat, text, type ChatFixture } from './helpers/fixtures.js';

const UNCACHED = { historyCacheRooms: 0, historyBlockCacheMb: 0 };

describe.each(ENGINES)('older-history blocks (%s PostgreSQL)', (engine) => {
  let f: ChatFixture;
  /** A node with the block cache on (the default), and the truth: a node with no cache at all. */
  let cached: ChatServices, truth: ChatServices;
  let alice: Actor, bob: Actor;
  let roomId: string;
  let ids: string[];
  let seqs: number[];

  const page = async (node: ChatServices, reader: Actor, query: HistoryQuery) => {
    const body = await node.history.listRendered(reader, roomId, query);
    return typeof body === 'string' || Buffer.isBuffer(body)
      ? (JSON.parse(body.toString()) as unknown)
      : body;
  };
  const historyRev = async () =>
    (
      await f.pool.query<{ history_rev: number }>('SELECT history_rev FROM rooms WHERE id = $1', [
        roomId,
      ])
    ).rows[0]!.history_rev;

  beforeAll(async () => {
    f = await startChat(engine, { rateLimitSendPerS: 10_000, rateLimitSendBurst: 10_000 });
    cached = f.chat;
    truth = f.node(UNCACHED);
    [alice, bob] = [await f.user({ displayName: 'Älice "the" <b>' }), await f.user()];
    roomId = (await cached.rooms.create(alice, { name: 'blocks', visibility: 'public' })).id;
    await cached.members.join(bob, roomId);
    const sent = [];
    for (let i = 0; i < 400; i++) {
      const { message } = await cached.messages.send(i % 3 ? alice : bob, {
        roomId,
        content: text(`message ${i} — ✓ "quoted" 🎉`),
        replyTo: i % 50 === 7 ? sent[i - 1]!.id : null,
      });
      sent.push(message);
      // Seqs that are no message (reactions, edits) leave blocks unevenly filled.
      if (i % 37 === 5) await cached.reactions.add(bob, message.id, '👍');
      if (i % 41 === 10 && i % 3 !== 0)
        await cached.messages.edit(alice, message.id, { text: `edited ${i}` });
    }
    ids = sent.map((m) => m.id);
    seqs = sent.map((m) => m.seq);
  }, 60_000);
  afterAll(() => f.close());

  it('serves the same pages as the database, for each reader, cursor and limit', async () => {
    const queries: HistoryQuery[] = [];
    for (const limit of [1, 17, 50, 100])
      for (let i = 0; i < seqs.length; i += 23)
        queries.push({ before: seqs[i]!, limit }, { after: seqs[i]!, limit });
    queries.push({ before: 1, limit: 50 }, { after: 0, limit: 50 }, { before: 2, limit: 50 });
    for (const reader of [alice, bob])
      for (const query of queries)
        expect(await page(cached, reader, query), JSON.stringify(query)).toEqual(
          await truth.history.list(reader, roomId, query),
        );
    // Served from blocks, not only computed: all full blocks of the room are held now.
    const lastSeq = seqs.at(-1)!;
    expect(cached.historyBlocks.size).toBe(Math.floor((lastSeq + 1) / BLOCK_SEQS));
  });

  it('stays valid while messages are added, and goes stale with any change by another node', async () => {
    const other = f.node(); // another node on the same database, its own caches
    const target = ids[31]!; // alice's
    const query = { before: seqs[40]!, limit: 20 };
    const read = async (reader: Actor) => {
      const body = (await page(cached, reader, query)) as {
        messages: { id: string; content: unknown; author: { display_name: string } }[];
      };
      return body.messages.find((m) => m.id === target)!;
    };
    await read(alice); // warm

    const rev = await historyRev();
    await other.messages.send(alice, { roomId, content: text('new'), replyTo: null });
    expect(await historyRev()).toBe(rev); // new messages do not touch older history

    await other.messages.edit(alice, target, { text: 'edited elsewhere' });
    expect((await read(bob)).content).toEqual(text('edited elsewhere'));

    await other.reactions.add(bob, target, '🚀');
    expect(await page(cached, bob, query)).toEqual(await truth.history.list(bob, roomId, query));
    expect(await page(cached, alice, query)).toEqual(
      await truth.history.list(alice, roomId, query),
    );

    await f.pool.query(
      `UPDATE messages SET content = '{"type":"text","text":"by hand"}' WHERE id = $1`,
      [target],
    );
    expect((await read(alice)).content).toEqual(text('by hand'));

    await cached.history.list(bob, roomId, { limit: 10 }); // the hot cache holds the newest page
    await f.pool.query(`UPDATE users SET display_name = 'Renamed' WHERE id = $1`, [alice.id]);
    const mine = (await page(cached, bob, { before: seqs[40]!, limit: 20 })) as {
      messages: { author: { id: string; display_name: string } }[];
    };
    const names = mine.messages.filter((m) => m.author.id === alice.id);
    expect(names.length).toBeGreaterThan(0);
    expect(names.every((m) => m.author.display_name === 'Renamed')).toBe(true);
    // The newest page (the hot cache) shows the rename as well.
    const newest = (await cached.history.list(bob, roomId, { limit: 10 })).messages;
    expect(newest.filter((m) => m.author.id === alice.id)[0]?.author.display_name).toBe('Renamed');

    await other.messages.remove(alice, target);
    expect(await page(cached, bob, query)).toEqual(await truth.history.list(bob, roomId, query));
  });
});
