/**
 * Reactions: one emoji grapheme or a short :name:, one per user per emoji, aggregated with `me`,
 * idempotent, logged as reaction.* events carrying {message_id, user_id, emoji, message}.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../src/domain/actor.js';
import { ENGINES } from './helpers/databases.js';
import { codeOf, startChat, text, type ChatFixture } from './helpers/fixtures.js';

describe.each(ENGINES)('reactions (%s PostgreSQL)', (engine) => {
  let f: ChatFixture;
  let alice: Actor, bob: Actor, carol: Actor;
  let roomId: string;

  beforeAll(async () => {
    f = await startChat(engine, { rateLimitSendPerS: 1000, rateLimitSendBurst: 1000 });
    [alice, bob, carol] = [await f.user(), await f.user(), await f.user()];
    roomId = (await f.chat.rooms.create(alice, { name: 'emoji', visibility: 'public' })).id;
    await f.chat.members.join(bob, roomId);
  });
  afterAll(() => f.close());

  const eventsOf = async (messageId: string) =>
    (
      await f.pool.query<{ type: string; payload: Record<string, unknown> }>(
        `SELECT type, payload FROM events
         WHERE room_id = $1 AND type LIKE 'reaction.%' AND payload ->> 'message_id' = $2 ORDER BY seq`,
        [roomId, messageId],
      )
    ).rows;

  it("keeps history's `me` per reader: pages are shared only while they hold no reactions", async () => {
    const room = (await f.chat.rooms.create(alice, { name: 'shared-page', visibility: 'public' }))
      .id;
    await f.chat.members.join(bob, room);
    const { message } = await f.chat.messages.send(alice, { roomId: room, content: text('hi') });
    const before = [
      await f.chat.history.list(alice, room, {}),
      await f.chat.history.list(bob, room, {}),
    ];
    expect(before[0]).toBe(before[1]); // one wire page for the same room state, encoded once
    await f.chat.reactions.add(alice, message.id, '👍');
    const mine = await f.chat.history.list(alice, room, {});
    const theirs = await f.chat.history.list(bob, room, {});
    const last = (page: typeof mine) => page.messages.at(-1)?.reactions;
    expect(last(mine)).toEqual([{ emoji: '👍', count: 1, me: true }]);
    expect(last(theirs)).toEqual([{ emoji: '👍', count: 1, me: false }]);
  });

  it('adds, aggregates per emoji with me, and removes — idempotently', async () => {
    const { message } = await f.chat.messages.send(alice, { roomId, content: text('react') });
    expect((await f.chat.reactions.add(alice, message.id, '👍')).reactions).toEqual([
      { emoji: '👍', count: 1, me: true },
    ]);
    const seen = await f.chat.reactions.add(bob, message.id, '👍');
    expect(seen.reactions).toEqual([{ emoji: '👍', count: 2, me: true }]);
    await f.chat.reactions.add(bob, message.id, ':ship-it:');
    await f.chat.reactions.add(bob, message.id, '👍'); // again: nothing changes
    expect((await f.chat.messages.get(alice, message.id)).reactions).toEqual([
      { emoji: '👍', count: 2, me: true },
      { emoji: ':ship-it:', count: 1, me: false },
    ]);
    expect((await f.chat.reactions.remove(alice, message.id, '👍')).reactions).toEqual([
      { emoji: '👍', count: 1, me: false },
      { emoji: ':ship-it:', count: 1, me: false },
    ]);
    await f.chat.reactions.remove(alice, message.id, '👍'); // absent: nothing changes
    const events = await eventsOf(message.id);
    expect(events.map((e) => [e.type, e.payload.user_id, e.payload.emoji])).toEqual([
      ['reaction.added', alice.id, '👍'],
      ['reaction.added', bob.id, '👍'],
      ['reaction.added', bob.id, ':ship-it:'],
      ['reaction.removed', alice.id, '👍'],
    ]);
    // Events carry the whole message as everyone sees it: `me` is no one's.
    expect(events[3]!.payload.message).toMatchObject({
      id: message.id,
      reactions: [
        { emoji: '👍', count: 1, me: false },
        { emoji: ':ship-it:', count: 1, me: false },
      ],
    });
  });

  it('accepts single emoji of every shape and rejects everything else', async () => {
    const { message } = await f.chat.messages.send(alice, { roomId, content: text('shapes') });
    for (const emoji of ['👩🏽‍💻', '🇫🇷', '1️⃣', '❤️', '👍🏿', ':+1:', ':party_parrot:'])
      expect((await f.chat.reactions.add(bob, message.id, emoji)).reactions.at(-1)).toEqual({
        emoji,
        count: 1,
        me: true,
      });
    for (const emoji of [
      '',
      'a',
      'ok',
      '👍👍',
      ':Bad Name:',
      `:${'x'.repeat(33)}:`,
      '<b>',
      ' 👍',
      '::',
    ])
      expect({ emoji, code: await codeOf(f.chat.reactions.add(bob, message.id, emoji)) }).toEqual({
        emoji,
        code: 'invalid_request',
      });
  });

  it('refuses reactions on tombstones, from non-members, and on invisible messages', async () => {
    const { message } = await f.chat.messages.send(alice, { roomId, content: text('going') });
    await f.chat.reactions.add(bob, message.id, '🎉');
    await f.chat.messages.remove(alice, message.id);
    expect((await f.chat.messages.get(bob, message.id)).reactions).toEqual([]);
    expect(await codeOf(f.chat.reactions.add(bob, message.id, '🎉'))).toBe('conflict');
    const { message: live } = await f.chat.messages.send(alice, { roomId, content: text('live') });
    expect(await codeOf(f.chat.reactions.add(carol, live.id, '🎉'))).toBe('forbidden');
    const secret = (await f.chat.rooms.create(alice, { name: 'hush', visibility: 'private' })).id;
    const { message: hidden } = await f.chat.messages.send(alice, {
      roomId: secret,
      content: text('hidden'),
    });
    expect(await codeOf(f.chat.reactions.add(bob, hidden.id, '🎉'))).toBe('not_found');
    expect(await codeOf(f.chat.reactions.add(bob, 'not-an-id', '🎉'))).toBe('not_found');
  });
});
