/**
 * History pages PostgreSQL renders as JSON (rendered-page.repository.ts, what REST serves for
 * seq-cursor pages the cache does not hold) carry exactly what `list` returns — tombstones,
 * edits, replies, unicode, reactions with each reader's `me` — for both cursors and both ends.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../src/domain/actor.js';
import { ENGINES } from './helpers/databases.js';
import { startChat, text, type ChatFixture } from './helpers/fixtures.js';

describe.each(ENGINES)('rendered history pages (%s PostgreSQL)', (engine) => {
  let f: ChatFixture;
  let alice: Actor, bob: Actor;
  let roomId: string;
  let seqs: number[];

  beforeAll(async () => {
    // No caches: every seq-cursor page is rendered by the database.
    f = await startChat(engine, {
      historyCacheRooms: 0,
      historyBlockCacheMb: 0,
      rateLimitSendPerS: 1000,
      rateLimitSendBurst: 1000,
    });
    [alice, bob] = [await f.user({ displayName: 'Älice "the" <b>' }), await f.user()];
    roomId = (await f.chat.rooms.create(alice, { name: 'render', visibility: 'public' })).id;
    await f.chat.members.join(bob, roomId);
    const sent = [];
    for (let i = 0; i < 12; i++) {
      const author = i % 3 === 0 ? bob : alice;
      const { message } = await f.chat.messages.send(author, {
        roomId,
        content: text(`message ${i} — ✓ "quoted" \\ back\nline 🎉`),
        replyTo: i === 5 ? sent[2]!.id : null,
      });
      sent.push(message);
    }
    await f.chat.messages.edit(alice, sent[1]!.id, { text: 'edited' });
    await f.chat.reactions.add(bob, sent[4]!.id, '😢');
    await f.chat.messages.remove(alice, sent[4]!.id); // a tombstone loses its reactions
    await f.chat.reactions.add(alice, sent[7]!.id, '👍');
    await f.chat.reactions.add(bob, sent[7]!.id, '👍');
    await f.chat.reactions.add(bob, sent[7]!.id, ':ship-it:');
    await f.chat.reactions.add(bob, sent[8]!.id, '🎉');
    await f.chat.reactions.add(alice, sent[9]!.id, '👀');
    await f.chat.reactions.remove(alice, sent[9]!.id, '👀'); // back to none
    await f.chat.messages.remove(bob, sent[3]!.id); // (bob's own)
    seqs = sent.map((m) => m.seq);
  });
  afterAll(() => f.close());

  it('renders the same pages as list, for each reader, cursor and end', async () => {
    const queries = [
      { before: seqs[11]! + 1, limit: 5 },
      { before: seqs[6]!, limit: 4 },
      { before: seqs[2]!, limit: 50 }, // the oldest: has_more false
      { after: 0, limit: 3 },
      { after: seqs[5]!, limit: 50 }, // the newest: has_more false
      { after: seqs[11]!, limit: 10 }, // empty
    ];
    // Rendered pages first: `list` shares pages without reactions, which `listRendered` then
    // serves as they are (rightly, but that would not test the rendering).
    const pairs = [alice, bob].flatMap((reader) => queries.map((query) => ({ reader, query })));
    const pages = [];
    for (const { reader, query } of pairs)
      pages.push(await f.chat.history.listRendered(reader, roomId, query));
    expect(pages.every((p) => typeof p === 'string')).toBe(true);
    for (const [i, { reader, query }] of pairs.entries())
      expect(JSON.parse(pages[i] as string)).toEqual(
        await f.chat.history.list(reader, roomId, query),
      );
    const rendered = pages.length;
    expect(rendered).toBe(12);
  });

  it("keeps every message's reaction_count equal to its reactions, whoever wrote them", async () => {
    // Also a reaction written by hand: the trigger counts it like any other.
    await f.pool.query(
      `INSERT INTO reactions (message_id, user_id, emoji)
                        SELECT id, $2, '🛠' FROM messages WHERE room_id = $1 AND seq = $3`,
      [roomId, bob.id, seqs[10]],
    );
    const { rows } = await f.pool.query<{ id: string; stored: number; actual: number }>(
      `SELECT m.id, m.reaction_count AS stored,
              (SELECT count(*)::int FROM reactions r WHERE r.message_id = m.id) AS actual
       FROM messages m WHERE m.room_id = $1`,
      [roomId],
    );
    expect(rows.filter((r) => r.stored !== r.actual)).toEqual([]);
    expect(rows.some((r) => r.stored > 1)).toBe(true);
  });

  it("answers the newest page from list's path, and refuses a stranger the same way", async () => {
    const page = await f.chat.history.listRendered(alice, roomId, {});
    expect(typeof page).toBe('object');
    const stranger = await f.user();
    const privateRoom = (
      await f.chat.rooms.create(alice, { name: 'hidden', visibility: 'private' })
    ).id;
    await expect(
      f.chat.history.listRendered(stranger, privateRoom, { before: 10 }),
    ).rejects.toMatchObject({ code: 'not_found' });
  });
});
