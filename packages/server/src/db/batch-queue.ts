/**
 * Coalesces concurrent calls into batches, for work that is cheaper done together: one SQL
 * statement (one round trip, one commit) for many sends or many lookups. On this kind of
 * machine each round trip to PostgreSQL costs far more CPU than the rows it carries — in a
 * profile of the send path, ~40% of the server's time was the `writev` of one query per request
 * (docs/PERFORMANCE.md).
 *
 * Policy: at most `inFlight` batches run at a time (one by default). A call made while a slot is
 * free runs at once (no timer, no added latency); calls arriving while every slot is busy wait
 * and form the next batch when one frees, so batches grow with load by themselves. A second
 * slot lets one batch's round trip overlap another's execution — worth it where the database,
 * not this process, is the serial part (sends: docs/PERFORMANCE.md "Group commit").
 *
 * Order, with several slots: calls with the same `keyOf` (a room, for sends) are never in two
 * batches in flight at once — a call whose key is busy waits for that batch to finish, and the
 * calls behind it with the same key wait with it — so calls with one key run in the order they
 * were made, as with a single slot.
 *
 * Freshness, which authorization depends on: a call's batch always *starts* after the call was
 * made — a call never joins a batch already in flight — so whatever had committed before the call
 * is visible to the statement that answers it, exactly as if the call had queried alone.
 */

export interface Pending<I, O> {
  readonly item: I;
  readonly resolve: (value: O) => void;
  readonly reject: (err: unknown) => void;
}

/** Runs one batch; must settle every entry (one left unsettled is rejected when it returns). */
export type RunBatch<I, O> = (batch: Pending<I, O>[]) => Promise<void>;

export interface BatchQueueOptions<I> {
  /** Most calls in one batch. */
  maxBatch?: number;
  /** Batches running at once. */
  inFlight?: number;
  /** Calls with the same key run in call order, never in two batches at once. */
  keyOf?: (item: I) => string;
}

export class BatchQueue<I, O> {
  #queue: Pending<I, O>[] = [];
  #running = 0;
  /** Keys of the batches in flight, with how many of them hold each. */
  readonly #busy = new Map<string, number>();
  readonly #maxBatch: number;
  readonly #inFlight: number;
  readonly #keyOf: ((item: I) => string) | undefined;

  constructor(
    private readonly run: RunBatch<I, O>,
    options: BatchQueueOptions<I> = {},
  ) {
    this.#maxBatch = options.maxBatch ?? 256;
    this.#inFlight = options.inFlight ?? 1;
    this.#keyOf = options.keyOf;
  }

  push(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      if (this.#running < this.#inFlight) void this.#drain();
    });
  }

  /** One slot: runs batches until nothing it may take is queued, then frees the slot. */
  async #drain(): Promise<void> {
    this.#running++;
    try {
      for (let batch = this.#take(); batch.length > 0; batch = this.#take()) {
        const keys = this.#hold(batch);
        const settled = batch.map((p) => settleOnce(p));
        try {
          await this.run(settled);
        } catch (err) {
          for (const p of settled) p.reject(err);
        } finally {
          this.#release(keys);
        }
        for (const p of settled) if (!p.settled) p.reject(new Error('batch entry left unsettled'));
      }
    } finally {
      this.#running--;
    }
  }

  /** The next batch: queued calls in order, skipping those whose key a running batch holds. */
  #take(): Pending<I, O>[] {
    const keyOf = this.#keyOf;
    if (!keyOf || this.#busy.size === 0) return this.#queue.splice(0, this.#maxBatch);
    const batch: Pending<I, O>[] = [];
    const rest: Pending<I, O>[] = [];
    for (const p of this.#queue) {
      if (batch.length < this.#maxBatch && !this.#busy.has(keyOf(p.item))) batch.push(p);
      else rest.push(p);
    }
    this.#queue = rest;
    return batch;
  }

  #hold(batch: Pending<I, O>[]): string[] {
    if (!this.#keyOf) return [];
    const keys = [...new Set(batch.map((p) => this.#keyOf!(p.item)))];
    for (const k of keys) this.#busy.set(k, (this.#busy.get(k) ?? 0) + 1);
    return keys;
  }

  #release(keys: string[]): void {
    for (const k of keys) {
      const n = (this.#busy.get(k) ?? 1) - 1;
      if (n === 0) this.#busy.delete(k);
      else this.#busy.set(k, n);
    }
  }
}

/** Wraps an entry so that only its first settlement counts (the later ones are no-ops). */
function settleOnce<I, O>(p: Pending<I, O>): Pending<I, O> & { readonly settled: boolean } {
  let done = false;
  return {
    item: p.item,
    get settled() {
      return done;
    },
    resolve: (value) => {
      if (done) return;
      done = true;
      p.resolve(value);
    },
    reject: (err) => {
      if (done) return;
      done = true;
      p.reject(err);
    },
  };
}

/**
 * A keyed read through a `BatchQueue`: concurrent `load`s become one `fetch` of their distinct
 * keys. `fetch` returns the found values keyed by `keyOf`; a key it does not return loads as
 * undefined.
 */
export class BatchedLookup<K, V> {
  readonly #queue: BatchQueue<K, V | undefined>;

  constructor(
    fetch: (keys: K[]) => Promise<Map<string, V>>,
    keyOf: (key: K) => string,
    maxBatch = 256,
  ) {
    this.#queue = new BatchQueue(
      async (batch) => {
        const distinct = new Map<string, K>();
        for (const p of batch) distinct.set(keyOf(p.item), p.item);
        const found = await fetch([...distinct.values()]);
        for (const p of batch) p.resolve(found.get(keyOf(p.item)));
      },
      { maxBatch },
    );
  }

  load(key: K): Promise<V | undefined> {
    return this.#queue.push(key);
  }
}
