/**
 * RoomViewCache on its own: what it keeps, for how long, and that a lookup which started before
 * a forget never stores its (older) answer afterwards.
 */
import { describe, expect, it } from 'vitest';
import type { RoomViewRow } from '../src/domain/rooms/room.repository.js';
import { RoomViewCache } from '../src/domain/rooms/room-view-cache.js';

const ROOM = '0b7c9a52-2f34-4c55-9d7e-6a1f0c3b8e11';
const USER = '5d2e8f10-7a4b-4c3d-8e9f-1a2b3c4d5e6f';

const view = (last_seq: number): RoomViewRow => ({
  id: ROOM,
  kind: 'channel',
  name: 'room',
  topic: '',
  visibility: 'public',
  created_at: new Date(0),
  archived_at: null,
  last_seq,
  member_count: 1,
  history_rev: 0,
  names_rev: 0,
  member_role: 'member',
  last_read_seq: 0,
});

/** A loader that answers the current "database" row and counts its calls. */
function database(initial: number) {
  const db = { seq: initial, loads: 0 };
  const load = async () => {
    db.loads += 1;
    return view(db.seq);
  };
  return { db, load };
}

/** A load the test finishes by hand, to put a forget in the middle of it. */
function gatedLoad(row: RoomViewRow | undefined) {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  return { open, load: () => gate.then(() => row) };
}

describe('RoomViewCache', () => {
  it('answers from memory until the room is forgotten, then loads again', async () => {
    const cache = new RoomViewCache({ ttlMs: 60_000 });
    const { db, load } = database(1);
    expect((await cache.get(ROOM, USER, load))?.last_seq).toBe(1);
    db.seq = 2;
    expect((await cache.get(ROOM, USER, load))?.last_seq).toBe(1);
    expect(db.loads).toBe(1);
    cache.forgetRoom(ROOM);
    expect((await cache.get(ROOM, USER, load))?.last_seq).toBe(2);
    expect(db.loads).toBe(2);
  });

  it('keeps one entry per room and user, however the uuids are spelled', async () => {
    const cache = new RoomViewCache({ ttlMs: 60_000 });
    const { db, load } = database(1);
    await cache.get(ROOM.toUpperCase(), USER, load);
    await cache.get(ROOM, USER.toUpperCase(), load);
    expect(db.loads).toBe(1);
    cache.forgetRoom(ROOM.toUpperCase());
    await cache.get(ROOM, USER, load);
    expect(db.loads).toBe(2);
  });

  it('forgets every room at once, and their places with them', async () => {
    const cache = new RoomViewCache({ ttlMs: 60_000, maxViews: 1 });
    const { db, load } = database(1);
    await cache.get(ROOM, USER, load);
    cache.forgetAll();
    await cache.get(ROOM, USER, load);
    await cache.get(ROOM, USER, load); // kept again: the one place was given back
    expect(db.loads).toBe(2);
  });

  it('does not store what a lookup read before a forget of its room', async () => {
    const cache = new RoomViewCache({ ttlMs: 60_000 });
    const stale = gatedLoad(view(1));
    const pending = cache.get(ROOM, USER, stale.load);
    cache.forgetRoom(ROOM); // a write committed while the lookup was in flight
    stale.open();
    expect((await pending)?.last_seq).toBe(1); // its own caller asked before the write
    const { db, load } = database(2);
    expect((await cache.get(ROOM, USER, load))?.last_seq).toBe(2);
    expect(db.loads).toBe(1);
  });

  it('does not store what a lookup read before everything was forgotten', async () => {
    const cache = new RoomViewCache({ ttlMs: 60_000 });
    const stale = gatedLoad(view(1));
    const pending = cache.get(ROOM, USER, stale.load);
    cache.forgetAll();
    stale.open();
    await pending;
    const { db, load } = database(2);
    expect((await cache.get(ROOM, USER, load))?.last_seq).toBe(2);
    expect(db.loads).toBe(1);
  });

  it('never stores a room that does not exist', async () => {
    const cache = new RoomViewCache({ ttlMs: 60_000 });
    let loads = 0;
    const missing = async () => {
      loads += 1;
      return undefined;
    };
    expect(await cache.get(ROOM, USER, missing)).toBeUndefined();
    expect(await cache.get(ROOM, USER, missing)).toBeUndefined();
    expect(loads).toBe(2);
  });

  it('loads again once a view is older than its time to live', async () => {
    const cache = new RoomViewCache({ ttlMs: 1 });
    const { db, load } = database(1);
    await cache.get(ROOM, USER, load);
    await new Promise((resolve) => setTimeout(resolve, 10));
    db.seq = 2;
    expect((await cache.get(ROOM, USER, load))?.last_seq).toBe(2);
  });

  it('keeps at most maxViews views in all; past it, readers look up every time', async () => {
    const cache = new RoomViewCache({ ttlMs: 60_000, maxViews: 1 });
    const { db, load } = database(1);
    const other = USER.replace('5d2e', '6e3f');
    await cache.get(ROOM, USER, load);
    await cache.get(ROOM, other, load);
    await cache.get(ROOM, other, load);
    await cache.get(ROOM, USER, load);
    expect(db.loads).toBe(3);
    // Forgetting the room frees its place: the next reader is kept again.
    cache.forgetRoom(ROOM);
    await cache.get(ROOM, other, load);
    await cache.get(ROOM, other, load);
    expect(db.loads).toBe(4);
  });

  it('gives back the places of a room it evicts', async () => {
    const cache = new RoomViewCache({ ttlMs: 60_000, maxRooms: 1, maxViews: 1 });
    const { db, load } = database(1);
    const second = ROOM.replace('0b7c', '1c8d');
    await cache.get(ROOM, USER, load);
    await cache.get(second, USER, load); // evicts ROOM and its view
    await cache.get(second, USER, load);
    expect(db.loads).toBe(2);
  });
});
