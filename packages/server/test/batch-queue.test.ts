import { describe, expect, it } from 'vitest';
import { BatchedLookup, BatchQueue, type Pending } from '../src/db/batch-queue.js';

/** A batch runner whose batches finish only when the test says so. */
function controlledRunner() {
  const batches: number[][] = [];
  const finish: (() => void)[] = [];
  const run = (batch: Pending<number, number>[]) => {
    batches.push(batch.map((p) => p.item));
    return new Promise<void>((resolve) => {
      finish.push(() => {
        for (const p of batch) p.resolve(p.item * 10);
        resolve();
      });
    });
  };
  return { batches, finish, run };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('BatchQueue', () => {
  it('runs the first call at once, alone, and coalesces the calls made meanwhile', async () => {
    const r = controlledRunner();
    const q = new BatchQueue(r.run);
    const first = q.push(1);
    await tick();
    expect(r.batches).toEqual([[1]]);
    const later = [q.push(2), q.push(3), q.push(4)];
    await tick();
    expect(r.batches).toHaveLength(1); // they wait for the batch in flight…
    r.finish[0]!();
    expect(await first).toBe(10);
    await tick();
    expect(r.batches).toEqual([[1], [2, 3, 4]]); // …and go together, after it
    r.finish[1]!();
    expect(await Promise.all(later)).toEqual([20, 30, 40]);
  });

  it('never adds a call to a batch that has already started', async () => {
    const r = controlledRunner();
    const q = new BatchQueue(r.run);
    void q.push(1);
    await tick();
    const p = q.push(2);
    await tick();
    expect(r.batches[0]).toEqual([1]);
    r.finish[0]!();
    await tick();
    expect(r.batches[1]).toEqual([2]);
    r.finish[1]!();
    expect(await p).toBe(20);
  });

  it('splits a long queue into batches of at most maxBatch', async () => {
    const r = controlledRunner();
    const q = new BatchQueue(r.run, { maxBatch: 2 });
    void q.push(0);
    await tick();
    const rest = [1, 2, 3, 4, 5].map((n) => q.push(n));
    r.finish[0]!();
    for (let i = 1; i <= 3; i++) {
      await tick();
      r.finish[i]!();
    }
    await Promise.all(rest);
    expect(r.batches).toEqual([[0], [1, 2], [3, 4], [5]]);
  });

  it('rejects every entry of a batch whose runner throws, and goes on with the next', async () => {
    let calls = 0;
    const q = new BatchQueue<number, number>(async (batch) => {
      calls++;
      if (batch.some((p) => p.item < 0)) throw new Error('boom');
      for (const p of batch) p.resolve(p.item);
    });
    await expect(q.push(-1)).rejects.toThrow('boom');
    expect(await q.push(5)).toBe(5);
    expect(calls).toBe(2);
  });

  it('rejects an entry the runner forgot to settle; a settled one keeps its value', async () => {
    const q = new BatchQueue<number, number>(async (batch) => {
      for (const p of batch) if (p.item > 0) p.resolve(p.item);
    });
    const a = q.push(0);
    await expect(a).rejects.toThrow('unsettled');
    expect(await q.push(7)).toBe(7);
  });

  it('with two slots, runs a second batch beside the first and queues behind both', async () => {
    const r = controlledRunner();
    const q = new BatchQueue(r.run, { inFlight: 2 });
    const all = [q.push(1), q.push(2)];
    await tick();
    expect(r.batches).toEqual([[1], [2]]); // both at once: a slot each
    all.push(q.push(3), q.push(4));
    await tick();
    expect(r.batches).toHaveLength(2); // both slots busy: they wait…
    r.finish[1]!();
    await tick();
    expect(r.batches).toEqual([[1], [2], [3, 4]]); // …and go together in the slot that freed
    r.finish[0]!();
    r.finish[2]!();
    expect(await Promise.all(all)).toEqual([10, 20, 30, 40]);
  });

  it('never runs two calls with the same key in batches in flight at once, and keeps their order', async () => {
    const r = controlledRunner();
    // Key: the tens digit (11 and 12 share a key; 21 does not).
    const q = new BatchQueue(r.run, { inFlight: 2, keyOf: (n) => String(Math.floor(n / 10)) });
    const all = [q.push(11)];
    await tick();
    all.push(q.push(12), q.push(21), q.push(13));
    await tick();
    // The free slot takes 21; 12 and 13 wait for the batch holding key 1.
    expect(r.batches).toEqual([[11], [21]]);
    r.finish[0]!();
    await tick();
    expect(r.batches).toEqual([[11], [21], [12, 13]]);
    r.finish[1]!();
    r.finish[2]!();
    expect(await Promise.all(all)).toEqual([110, 120, 210, 130]);
  });
});

describe('BatchedLookup', () => {
  it('fetches each distinct key once per batch and answers undefined for missing keys', async () => {
    const fetched: string[][] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const lookup = new BatchedLookup<string, number>(
      async (keys) => {
        fetched.push(keys);
        if (fetched.length === 1) await gate;
        return new Map(keys.filter((k) => k !== 'missing').map((k) => [k.toLowerCase(), k.length]));
      },
      (k) => k.toLowerCase(),
    );
    const first = lookup.load('x');
    const batch = [
      lookup.load('ab'),
      lookup.load('AB'),
      lookup.load('abc'),
      lookup.load('missing'),
    ];
    release();
    expect(await first).toBe(1);
    expect(await Promise.all(batch)).toEqual([2, 2, 3, undefined]);
    expect(fetched).toEqual([['x'], ['AB', 'abc', 'missing']]);
  });
});
