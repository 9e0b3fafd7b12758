/**
 * Where presence lives (STYLE.md principle 8: ephemeral, apart from messages). A user is online
 * while at least one of their connections, on any node, has a live entry; entries expire after a
 * TTL unless the owning node's heartbeat refreshes them, so a crashed node's users go offline on
 * their own. "Online" as announced is kept separately, so each transition is reported to exactly
 * one caller (no duplicate announcements across nodes).
 */
export interface PresenceStore {
  /** Add or refresh a connection's entry; true when the user just became online. */
  connect(userId: string, connId: string, ttlMs: number): Promise<boolean>;
  /** Remove a connection's entry; true when the user just went offline. */
  disconnect(userId: string, connId: string): Promise<boolean>;
  /** Users whose entries all expired, each returned to exactly one sweeper. */
  sweep(): Promise<string[]>;
  online(userIds: readonly string[]): Promise<Set<string>>;
  /** Every user announced online, on any node. */
  everyoneOnline(): Promise<string[]>;
  close(): Promise<void>;
}

/** Single-node presence. */
export class MemoryPresenceStore implements PresenceStore {
  readonly #conns = new Map<string, Map<string, number>>();
  readonly #online = new Set<string>();

  async connect(userId: string, connId: string, ttlMs: number): Promise<boolean> {
    let conns = this.#conns.get(userId);
    if (!conns) this.#conns.set(userId, (conns = new Map<string, number>()));
    conns.set(connId, Date.now() + ttlMs);
    if (this.#online.has(userId)) return false;
    this.#online.add(userId);
    return true;
  }

  async disconnect(userId: string, connId: string): Promise<boolean> {
    this.#conns.get(userId)?.delete(connId);
    return this.#settle(userId);
  }

  async sweep(): Promise<string[]> {
    return [...this.#online].filter((userId) => this.#settle(userId));
  }

  async online(userIds: readonly string[]): Promise<Set<string>> {
    return new Set(userIds.filter((u) => this.#online.has(u)));
  }

  async everyoneOnline(): Promise<string[]> {
    return [...this.#online];
  }

  async close(): Promise<void> {
    this.#conns.clear();
    this.#online.clear();
  }

  /** Drop expired entries; true when that made the user offline. */
  #settle(userId: string): boolean {
    const conns = this.#conns.get(userId);
    const now = Date.now();
    for (const [id, exp] of conns ?? []) if (exp <= now) conns?.delete(id);
    if (conns && conns.size > 0) return false;
    this.#conns.delete(userId);
    return this.#online.delete(userId);
  }
}
