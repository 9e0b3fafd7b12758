/**
 * Presence stores, one suite for the in-process and the Redis implementation (real Redis, per-run
 * key prefix): transitions are reported once, the last connection going offline is reported,
 * entries that stop being refreshed expire, and exactly one of several sweepers reports it.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryPresenceStore, type PresenceStore } from '../src/realtime/presence-store.js';
import { RedisPresenceStore } from '../src/realtime/redis-presence-store.js';
import { REDIS_URL, uniquePrefix } from './helpers/realtime.js';

const clients: Redis[] = [];
afterAll(async () => {
  for (const c of clients) await c.quit();
});

const factories: [string, () => () => PresenceStore][] = [
  [
    'memory',
    () => {
      const shared = new MemoryPresenceStore();
      return () => shared;
    },
  ],
  [
    'redis',
    () => {
      const prefix = uniquePrefix();
      return () => {
        const redis = new Redis(REDIS_URL);
        clients.push(redis);
        return new RedisPresenceStore(redis, prefix);
      };
    },
  ],
];

describe.each(factories)('%s presence store', (_name, factory) => {
  it('reports online once and offline when the last connection leaves', async () => {
    const store = factory()();
    const user = randomUUID();
    expect(await store.connect(user, 'c1', 10_000)).toBe(true);
    expect(await store.connect(user, 'c2', 10_000)).toBe(false);
    expect(await store.connect(user, 'c1', 10_000)).toBe(false); // heartbeat
    expect(await store.online([user, randomUUID()])).toEqual(new Set([user]));
    expect(await store.everyoneOnline()).toContain(user);
    expect(await store.disconnect(user, 'c1')).toBe(false);
    expect(await store.disconnect(user, 'c2')).toBe(true);
    expect(await store.disconnect(user, 'c2')).toBe(false);
    expect(await store.online([user])).toEqual(new Set());
    expect(await store.everyoneOnline()).not.toContain(user);
  });

  it('expires connections that stop heartbeating, reported by exactly one sweeper', async () => {
    const make = factory();
    const [node1, node2] = [make(), make()];
    const user = randomUUID();
    const alive = randomUUID();
    expect(await node1.connect(user, 'crashed-node:1', 30)).toBe(true);
    expect(await node2.connect(alive, 'n2:1', 10_000)).toBe(true);
    await new Promise((r) => setTimeout(r, 60));
    const swept = await Promise.all([node1.sweep(), node2.sweep()]);
    expect(swept.flat().filter((u) => u === user)).toEqual([user]);
    expect(swept.flat()).not.toContain(alive);
    expect(await node2.online([user, alive])).toEqual(new Set([alive]));
  });
});
