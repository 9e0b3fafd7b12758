/**
 * Presence in Redis, right across nodes. Per user a sorted set of connection ids scored by expiry
 * (`<prefix>presence:conns:<user>`); one sorted set of announced-online users scored by their
 * latest expiry (`<prefix>presence:online`). Each transition is one Lua script, so exactly one
 * node observes it. Sweeping looks only at users whose latest expiry has passed.
 */
import type { Redis } from 'ioredis';
import type { PresenceStore } from './presence-store.js';

// KEYS: conns, online. ARGV: now, expiresAt, connId, userId, ttlMs
const CONNECT = `
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[5] * 2)
local was = redis.call('ZSCORE', KEYS[2], ARGV[4])
redis.call('ZADD', KEYS[2], 'GT', ARGV[2], ARGV[4])
if was then return 0 end
return 1`;

// KEYS: conns, online. ARGV: now, userId, connId (optional)
const SETTLE = `
if ARGV[3] then redis.call('ZREM', KEYS[1], ARGV[3]) end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local top = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if top[2] then
  redis.call('ZADD', KEYS[2], top[2], ARGV[2])
  return 0
end
return redis.call('ZREM', KEYS[2], ARGV[2])`;

export class RedisPresenceStore implements PresenceStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  #conns(userId: string): string {
    return `${this.prefix}presence:conns:${userId}`;
  }

  get #online(): string {
    return `${this.prefix}presence:online`;
  }

  async connect(userId: string, connId: string, ttlMs: number): Promise<boolean> {
    const now = Date.now();
    const keys = [this.#conns(userId), this.#online];
    const args = [now, now + ttlMs, connId, userId, ttlMs];
    return (await this.redis.eval(CONNECT, 2, ...keys, ...args)) === 1;
  }

  async disconnect(userId: string, connId: string): Promise<boolean> {
    const keys = [this.#conns(userId), this.#online];
    return (await this.redis.eval(SETTLE, 2, ...keys, Date.now(), userId, connId)) === 1;
  }

  async sweep(): Promise<string[]> {
    const now = Date.now();
    const due = await this.redis.zrangebyscore(this.#online, '-inf', now, 'LIMIT', 0, 500);
    const gone: string[] = [];
    for (const userId of due) {
      const keys = [this.#conns(userId), this.#online];
      if ((await this.redis.eval(SETTLE, 2, ...keys, now, userId)) === 1) gone.push(userId);
    }
    return gone;
  }

  async online(userIds: readonly string[]): Promise<Set<string>> {
    if (userIds.length === 0) return new Set();
    const scores = await this.redis.zmscore(this.#online, ...userIds);
    return new Set(userIds.filter((_, i) => scores[i] !== null));
  }

  async everyoneOnline(): Promise<string[]> {
    return this.redis.zrange(this.#online, 0, -1);
  }

  async close(): Promise<void> {
    // The Redis connection belongs to the broker, which closes it.
  }
}
