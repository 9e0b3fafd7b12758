/**
 * Read positions and unread counts: forward only, clamped to the room's last event, counting
 * only others' live messages — through sends, reads, edits, deletes and the joined-rooms list.
 */
import type { Room } from '@parley/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../src/config.js';
import type { Actor } from '../src/domain/actor.js';
import { createChatServices } from '../src/domain/messages/chat-services.js';
import { ENGINES } from './helpers/databases.js';
import { codeOf, startChat, text, type ChatFixture } from './helpers/fixtures.js';

describe.each(ENGINES)('read receipts and unread counts (%s PostgreSQL)', (engine) => {
  let f: ChatFixture;
  let alice: Actor, bob: Actor, carol: Actor;
  let roomId: string;
  const signals: [string, string, number][] = [];

  beforeAll(async () => {
    f = await startChat(engine, { rateLimitSendPerS: 1000, rateLimitSendBurst: 1000 });
    [alice, bob, carol] = [await f.user(), await f.user(), await f.user()];
    roomId = (await f.chat.rooms.create(alice, { name: 'reading', visibility: 'public' })).id;
    await f.chat.members.join(bob, roomId);
  });
  afterAll(() => f.close());

  const listed = async (actor: Actor): Promise<Room> =>
    (await f.chat.rooms.list(actor, 'joined')).find((r) => r.id === roomId)!;

  it('starts a new member at the room’s present: what came before is not unread', async () => {
    const room = (await f.chat.rooms.create(alice, { name: 'joining', visibility: 'public' })).id;
    const carols = async () =>
      (await f.chat.rooms.list(carol, 'joined')).find((r) => r.id === room)!;
    const before = await f.chat.messages.send(alice, { roomId: room, content: text('before') });
    await f.chat.members.join(carol, room);
    expect((await carols()).unread_count).toBe(0);
    expect((await carols()).last_read_seq).toBeGreaterThanOrEqual(before.message.seq);
    await f.chat.messages.send(alice, { roomId: room, content: text('after') });
    expect((await carols()).unread_count).toBe(1);
  });

  it('counts others’ live messages after the read position, through reads, edits and deletes', async () => {
    const sent = [];
    for (let i = 0; i < 5; i++)
      sent.push((await f.chat.messages.send(alice, { roomId, content: text(`m${i}`) })).message);
    expect(await listed(bob)).toMatchObject({ unread_count: 5 });
    expect((await listed(bob)).last_read_seq).toBeLessThan(sent[0]!.seq); // where he joined
    expect((await listed(bob)).last_message).toMatchObject({ id: sent[4]!.id });
    expect(await listed(alice)).toMatchObject({ unread_count: 0 }); // her own messages

    expect(await f.chat.receipts.markRead(bob, roomId, sent[2]!.seq)).toEqual({
      last_read_seq: sent[2]!.seq,
      unread_count: 2,
    });
    // Never backwards.
    expect(await f.chat.receipts.markRead(bob, roomId, sent[0]!.seq)).toEqual({
      last_read_seq: sent[2]!.seq,
      unread_count: 2,
    });
    // An edit is no new message; a deleted one no longer counts; own messages never do.
    await f.chat.messages.edit(alice, sent[4]!.id, { content: text('m4 edited') });
    expect(await listed(bob)).toMatchObject({ unread_count: 2 });
    await f.chat.messages.remove(alice, sent[3]!.id);
    expect(await listed(bob)).toMatchObject({ unread_count: 1, last_read_seq: sent[2]!.seq });
    await f.chat.messages.send(bob, { roomId, content: text('bob speaks') });
    expect(await listed(bob)).toMatchObject({ unread_count: 1 });
    expect(await listed(alice)).toMatchObject({ unread_count: 1 }); // bob's message
    // Deleting the newest message: the list shows the last real one.
    const { message: last } = await f.chat.messages.send(alice, { roomId, content: text('oops') });
    await f.chat.messages.remove(alice, last.id);
    expect((await listed(bob)).last_message).toMatchObject({ content: text('bob speaks') });
    // Past the end is clamped to the room's last event.
    const { rows } = await f.pool.query<{ last_seq: number }>(
      'SELECT last_seq FROM rooms WHERE id = $1',
      [roomId],
    );
    expect(await f.chat.receipts.markRead(bob, roomId, 10 ** 12)).toEqual({
      last_read_seq: rows[0]!.last_seq,
      unread_count: 0,
    });
    expect((await f.chat.rooms.get(bob, roomId)).unread_count).toBe(0);
  });

  it('broadcasts a read signal only when the position moves', async () => {
    // The fixture's nodes do not signal: build one that records.
    const signalling = createChatServices({
      pool: f.pool,
      config: testConfig(),
      events: () => ({ publish: () => undefined }),
      waiter: () => undefined,
      signalRead: (room, user, seq) => signals.push([room, user, seq]),
    });
    const { message } = await f.chat.messages.send(alice, { roomId, content: text('signal me') });
    await signalling.receipts.markRead(bob, roomId, message.seq);
    await signalling.receipts.markRead(bob, roomId, message.seq);
    await signalling.receipts.markRead(bob, roomId, 1);
    expect(signals).toEqual([[roomId, bob.id, message.seq]]);
  });

  it('refuses non-members and bad positions', async () => {
    expect(await codeOf(f.chat.receipts.markRead(carol, roomId, 1))).toBe('forbidden');
    const secret = (await f.chat.rooms.create(alice, { name: 'hidden', visibility: 'private' })).id;
    expect(await codeOf(f.chat.receipts.markRead(carol, secret, 1))).toBe('not_found');
    expect(await codeOf(f.chat.receipts.markRead(bob, 'nope', 1))).toBe('not_found');
    for (const seq of [-1, 1.5, Number.NaN])
      expect(await codeOf(f.chat.receipts.markRead(bob, roomId, seq))).toBe('invalid_request');
  });
});
