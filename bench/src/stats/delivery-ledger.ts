/**
 * Counts what every connection received, to prove "0 lost, 0 duplicated" (or not).
 *
 * Each connection is subscribed to one room; each message carries its room index and its index
 * `k` within that room (see lib/marker.ts). A connection keeps one byte per message of its room,
 * so 10,000 connections × 1,000 messages cost 10 MB, not a Map per receipt. At the end the
 * coordinator tells every ledger how many messages were sent per room, and each ledger tallies:
 * expected = Σ over connections of sent[room]; lost = expected slots never received;
 * duplicated = receipts beyond the first; foreign = receipts for another room or a k never sent.
 */
export interface DeliveryTally {
  expected: number;
  delivered: number;
  lost: number;
  duplicated: number;
  foreign: number;
}

export const emptyTally = (): DeliveryTally => ({
  expected: 0,
  delivered: 0,
  lost: 0,
  duplicated: 0,
  foreign: 0,
});

export function addTallies(a: DeliveryTally, b: DeliveryTally): DeliveryTally {
  return {
    expected: a.expected + b.expected,
    delivered: a.delivered + b.delivered,
    lost: a.lost + b.lost,
    duplicated: a.duplicated + b.duplicated,
    foreign: a.foreign + b.foreign,
  };
}

export class DeliveryLedger {
  readonly #rooms: number[] = [];
  readonly #counts: Uint8Array[] = [];
  /** Per connection: how many leading messages (k = 0 … next-1) have all arrived. */
  readonly #next: number[] = [];
  #foreign = 0;

  constructor(readonly maxPerRoom: number) {}

  get connections(): number {
    return this.#rooms.length;
  }

  addConnection(room: number): number {
    this.#rooms.push(room);
    this.#counts.push(new Uint8Array(this.maxPerRoom));
    this.#next.push(0);
    return this.#rooms.length - 1;
  }

  record(conn: number, room: number, k: number): void {
    const counts = this.#counts[conn];
    if (!counts || this.#rooms[conn] !== room || k < 0 || k >= this.maxPerRoom) {
      this.#foreign++;
      return;
    }
    const c = counts[k] ?? 0;
    if (c < 255) counts[k] = c + 1;
    let next = this.#next[conn] ?? 0;
    while (next < this.maxPerRoom && (counts[next] ?? 0) > 0) next++;
    this.#next[conn] = next;
  }

  /** The smallest contiguous progress over the connections of `room` (flow control). */
  minProgress(room: number): number {
    let min = Infinity;
    this.#rooms.forEach((r, i) => {
      if (r === room) min = Math.min(min, this.#next[i] ?? 0);
    });
    return min === Infinity ? 0 : min;
  }

  reset(): void {
    for (const c of this.#counts) c.fill(0);
    this.#next.fill(0);
    this.#foreign = 0;
  }

  tally(sentPerRoom: readonly number[]): DeliveryTally {
    const t = emptyTally();
    t.foreign = this.#foreign;
    this.#rooms.forEach((room, i) => {
      const counts = this.#counts[i] ?? new Uint8Array(0);
      const sent = Math.min(sentPerRoom[room] ?? 0, this.maxPerRoom);
      t.expected += sent;
      for (let k = 0; k < counts.length; k++) {
        const c = counts[k] ?? 0;
        if (k >= sent) {
          t.foreign += c;
          continue;
        }
        if (c === 0) t.lost++;
        else {
          t.delivered++;
          t.duplicated += c - 1;
        }
      }
    });
    return t;
  }
}

/**
 * Per message, the latest arrival at any connection (as latency from its send time). Merged
 * across workers by taking the maximum, it gives "send → every client received".
 */
export class ArrivalSpread {
  readonly latest: number[][];

  constructor(rooms: number, maxPerRoom: number) {
    this.latest = Array.from({ length: rooms }, () => new Array<number>(maxPerRoom).fill(0));
  }

  record(room: number, k: number, latencyMs: number): void {
    const row = this.latest[room];
    if (row && k < row.length && latencyMs > (row[k] ?? 0)) row[k] = latencyMs;
  }

  static merge(into: number[][], other: readonly (readonly number[])[]): number[][] {
    other.forEach((row, r) => {
      const target = (into[r] ??= []);
      row.forEach((v, k) => {
        if (v > (target[k] ?? 0)) target[k] = v;
      });
    });
    return into;
  }
}
