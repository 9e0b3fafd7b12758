/**
 * History pagination against the ground truth in the database, with the hot-history cache on,
 * off and tiny (all must answer identically), and the cache's correctness across nodes: a change
 * made through another node is never served stale.
 */
import type { MessagePage } from '@parley/protocol';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Actor } from '../src/domain/actor.js';
import type { ChatServices } from '../src/domain/messages/chat-services.js';
import { ENGINES } from './helpers/databases.js';
import { codeOf, startChat, text, type ChatFixture } from './helpers/fixtures.js';

const fast = { rateLimitSendPerS: 1_000_000, rateLimitSendBurst: 1_000_000 };

describe.each(ENGINES)('message history and its cache (%s PostgreSQL)', (engine) => {
  let f: ChatFixture;
  let alice: Actor, bob: Actor;
  let roomId: string;
  let seqs: number[]; // every message seq of the room, ascending (the ground truth)

  beforeAll(async () => {
    f = await startChat(engine, fast);
    [alice, bob] = [await f.user(), await f.user()];
    roomId = (await f.chat.rooms.create(alice, { name: 'history', visibility: 'public' })).id;
    await f.chat.members.join(bob, roomId);
    // 45 messages with other events in between, so message seqs are not contiguous.
    for (let i = 0; i < 45; i++) {
      const { message } = await f.chat.messages.send(i % 2 ? alice : bob, {
        roomId,
        content: text(`message ${i}`),
      });
      if (i % 7 === 0) await f.chat.reactions.add(alice, message.id, '👍');
      if (i % 11 === 0) await f.chat.messages.remove(alice, message.id);
    }
    seqs = (
      await f.pool.query<{ seq: number }>(
        'SELECT seq FROM messages WHERE room_id = $1 ORDER BY seq',
        [roomId],
      )
    ).rows.map((r) => r.seq);
  });
  afterAll(() => f.close());

  const expected = (q: { limit: number; before?: number; after?: number }) => {
    if (q.after !== undefined) {
      const newer = seqs.filter((s) => s > q.after!);
      return { seqs: newer.slice(0, q.limit), has_more: newer.length > q.limit };
    }
    const older = seqs.filter((s) => s < (q.before ?? Infinity));
    return { seqs: older.slice(-q.limit), has_more: older.length > q.limit };
  };
  const shape = (p: MessagePage) => ({ seqs: p.messages.map((m) => m.seq), has_more: p.has_more });

  it('pages exactly like the ground truth, with the cache on, off and tiny', async () => {
    const nodes: [string, ChatServices][] = [
      ['default cache', f.chat],
      ['no cache', f.node({ historyCacheRooms: 0 })],
      ['tiny cache', f.node({ historyCacheMessages: 5 })],
    ];
    const last = seqs.at(-1)!;
    const cursors = [
      0,
      1,
      seqs[0]!,
      seqs[0]! + 1,
      seqs[10]!,
      seqs[40]!,
      last - 1,
      last,
      last + 1,
      10 ** 12,
    ];
    for (const [name, chat] of nodes) {
      for (const limit of [1, 5, 45, 200]) {
        const queries = [
          { limit },
          ...cursors.map((before) => ({ limit, before })),
          ...cursors.map((after) => ({ limit, after })),
        ];
        // Twice: the second round is served from a warm cache where one exists.
        for (let round = 0; round < 2; round++)
          for (const q of queries)
            expect({ name, q, ...shape(await chat.history.list(bob, roomId, q)) }).toEqual({
              name,
              q,
              ...expected(q),
            });
      }
    }
  });

  it('walks the whole history backwards and forwards, each message once', async () => {
    const back: number[] = [];
    let page = await f.chat.history.list(alice, roomId, { limit: 7 });
    back.unshift(...page.messages.map((m) => m.seq));
    while (page.has_more) {
      page = await f.chat.history.list(alice, roomId, { limit: 7, before: back[0] });
      back.unshift(...page.messages.map((m) => m.seq));
    }
    expect(back).toEqual(seqs);
    const forward: number[] = [];
    let after = 0;
    for (;;) {
      const p = await f.chat.history.list(alice, roomId, { limit: 8, after });
      forward.push(...p.messages.map((m) => m.seq));
      if (!p.has_more) break;
      after = forward.at(-1)!;
    }
    expect(forward).toEqual(seqs);
  });

  it('includes tombstones and per-viewer reactions in pages', async () => {
    const page = await f.chat.history.list(alice, roomId, { limit: 200 });
    const first = page.messages[0]!; // message 0: reacted by alice, then deleted
    expect(first).toMatchObject({ deleted: true, content: null, reactions: [] });
    const reacted = page.messages[7]!;
    expect(reacted.reactions).toEqual([{ emoji: '👍', count: 1, me: true }]);
    const bobs = await f.chat.history.list(bob, roomId, { limit: 200 });
    expect(bobs.messages[7]!.reactions).toEqual([{ emoji: '👍', count: 1, me: false }]);
  });

  it('never serves a stale page after a change made on another node', async () => {
    const other = f.node();
    const read = () => f.chat.history.list(bob, roomId, { limit: 3 });
    await read(); // warm this node's cache
    const { message } = await other.messages.send(alice, { roomId, content: text('from B') });
    expect((await read()).messages.at(-1)).toMatchObject({ id: message.id });
    await other.messages.edit(alice, message.id, { content: text('edited on B') });
    expect((await read()).messages.at(-1)?.content).toEqual(text('edited on B'));
    await other.reactions.add(alice, message.id, '🎉');
    expect((await read()).messages.at(-1)?.reactions).toEqual([
      { emoji: '🎉', count: 1, me: false },
    ]);
    await other.messages.remove(alice, message.id);
    expect((await read()).messages.at(-1)).toMatchObject({ id: message.id, deleted: true });
  });

  it('answers the open-a-room read from the cache: one query (the access check) when warm', async () => {
    const spy = vi.spyOn(f.pool, 'query');
    try {
      await f.chat.history.list(bob, roomId, { limit: 50 });
      spy.mockClear();
      await f.chat.history.list(bob, roomId, { limit: 50 });
      expect(spy).toHaveBeenCalledTimes(1);
      // A local send is applied to the entry in place: still one query, and the page has it.
      const { message } = await f.chat.messages.send(alice, { roomId, content: text('local') });
      spy.mockClear();
      const page = await f.chat.history.list(bob, roomId, { limit: 50 });
      expect(spy).toHaveBeenCalledTimes(1);
      expect(page.messages.at(-1)?.id).toBe(message.id);
      // A change on another node makes the entry stale: the access check plus a rebuild.
      await f.node().messages.send(alice, { roomId, content: text('remote') });
      spy.mockClear();
      const fresh = await f.chat.history.list(bob, roomId, { limit: 50 });
      expect(spy).toHaveBeenCalledTimes(2);
      expect(fresh.messages.at(-1)?.content).toEqual(text('remote'));
    } finally {
      spy.mockRestore();
    }
  });

  it('reads by creation time with since=', async () => {
    const page = await f.chat.history.list(alice, roomId, {
      since: '1970-01-01T00:00:00Z',
      limit: 4,
    });
    expect(shape(page)).toEqual({ seqs: seqs.slice(0, 4), has_more: true });
    const future = new Date(Date.now() + 86_400_000).toISOString();
    expect(await f.chat.history.list(alice, roomId, { since: future })).toEqual({
      messages: [],
      has_more: false,
    });
    expect(await codeOf(f.chat.history.list(alice, roomId, { since: 'soon' }))).toBe(
      'invalid_request',
    );
  });
});
