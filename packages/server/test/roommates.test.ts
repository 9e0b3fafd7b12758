/**
 * The presence snapshot's lookup (log.repository.ts `roommates`) answers many users in one
 * query, each with exactly those of the candidates who share a live room with them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../src/domain/actor.js';
import { eventLogReader } from '../src/realtime/log.repository.js';
import { startChat, type ChatFixture } from './helpers/fixtures.js';

describe('roommates of many users in one lookup', () => {
  let f: ChatFixture;
  let a: Actor, b: Actor, c: Actor, d: Actor;

  beforeAll(async () => {
    f = await startChat('external');
    [a, b, c, d] = [await f.user(), await f.user(), await f.user(), await f.user()];
    // Only rooms that are not archived count: archive general, which everyone is in.
    await f.pool.query('UPDATE rooms SET archived_at = now() WHERE id = $1', [f.generalId]);
    const ab = (await f.chat.rooms.create(a, { name: 'ab', visibility: 'public' })).id;
    await f.chat.members.join(b, ab);
    const bc = (await f.chat.rooms.create(b, { name: 'bc', visibility: 'public' })).id;
    await f.chat.members.join(c, bc);
  });
  afterAll(() => f.close());

  it('maps each user to the candidates sharing a live room with them, never themselves', async () => {
    const everyone = [a.id, b.id, c.id, d.id];
    const found = await eventLogReader(f.pool).roommates([a.id, b.id, c.id, d.id], everyone);
    const sorted = (ids: string[] | undefined) => [...(ids ?? [])].sort();
    expect(sorted(found.get(a.id))).toEqual([b.id]);
    expect(sorted(found.get(b.id))).toEqual(sorted([a.id, c.id]));
    expect(sorted(found.get(c.id))).toEqual([b.id]);
    expect(found.get(d.id)).toEqual([]);
    // Only among the candidates given (who is online).
    expect((await eventLogReader(f.pool).roommates([b.id], [c.id])).get(b.id)).toEqual([c.id]);
  });
});
