/**
 * Coalesces concurrent calls into batches, for work that is cheaper done together: one SQL
 * statement (one round trip, one commit) for many sends or many lookups. On this kind of
 * machine each round trip to PostgreSQL costs far more CPU than the rows it carries — in a
 * profile of the send path, ~40% of the server's time was the `writev` of one query per request
 * (docs/PERFORMANCE.md).
 *
 * Policy: one batch in flight at a time. The first call on an idle queue runs at once (a batch of
 * one: no timer, no added latency); calls arriving while a batch runs wait and form the next one,
 * so batches grow with load by themselves.
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

export class BatchQueue<I, O> {
  #queue: Pending<I, O>[] = [];
  #running = false;

  constructor(
    private readonly run: RunBatch<I, O>,
    private readonly maxBatch = 256,
  ) {}

  push(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      if (!this.#running) void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#running = true;
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, this.maxBatch);
        const settled = batch.map((p) => settleOnce(p));
        try {
          await this.run(settled);
        } catch (err) {
          for (const p of settled) p.reject(err);
        }
        for (const p of settled) if (!p.settled) p.reject(new Error('batch entry left unsettled'));
      }
    } finally {
      this.#running = false;
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
    this.#queue = new BatchQueue(async (batch) => {
      const distinct = new Map<string, K>();
      for (const p of batch) distinct.set(keyOf(p.item), p.item);
      const found = await fetch([...distinct.values()]);
      for (const p of batch) p.resolve(found.get(keyOf(p.item)));
    }, maxBatch);
  }

  load(key: K): Promise<V | undefined> {
    return this.#queue.push(key);
  }
}
