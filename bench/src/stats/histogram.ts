/**
 * A mergeable latency histogram (HdrHistogram-style, log-linear buckets, < 1% relative error).
 * Workers record into their own instance and ship a sparse snapshot to the coordinator, which
 * merges them: percentiles over millions of samples without moving the samples between processes.
 * Values are recorded in microseconds; summaries are reported in milliseconds.
 */
const SUB_BUCKETS = 128;
const HALF = SUB_BUCKETS / 2;
const MAX_US = 2 ** 31 - 1; // ~35 minutes: anything slower is clamped (and is a failure anyway)
const BUCKETS = SUB_BUCKETS + 25 * HALF;

export interface HistogramSnapshot {
  counts: [index: number, count: number][];
  count: number;
  sumUs: number;
  maxUs: number;
}

export interface LatencySummary {
  count: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function bucketOf(us: number): number {
  const v = Math.min(MAX_US, Math.max(0, Math.round(us)));
  if (v < SUB_BUCKETS) return v;
  const shift = 31 - Math.clz32(v) - 6; // v >> shift lies in [64, 127]
  return SUB_BUCKETS + (shift - 1) * HALF + ((v >> shift) - HALF);
}

/** The largest value that falls into bucket `index` (percentiles never under-report). */
export function bucketUpperUs(index: number): number {
  if (index < SUB_BUCKETS) return index;
  const shift = Math.floor((index - SUB_BUCKETS) / HALF) + 1;
  const mantissa = ((index - SUB_BUCKETS) % HALF) + HALF;
  return ((mantissa + 1) << shift) - 1;
}

export class Histogram {
  readonly #counts = new Float64Array(BUCKETS);
  count = 0;
  sumUs = 0;
  maxUs = 0;

  recordMs(ms: number): void {
    this.recordUs(ms * 1000);
  }

  recordUs(us: number): void {
    const v = Math.max(0, us);
    const i = bucketOf(v);
    this.#counts[i] = (this.#counts[i] ?? 0) + 1;
    this.count++;
    this.sumUs += v;
    if (v > this.maxUs) this.maxUs = v;
  }

  merge(other: HistogramSnapshot): this {
    for (const [i, c] of other.counts) this.#counts[i] = (this.#counts[i] ?? 0) + c;
    this.count += other.count;
    this.sumUs += other.sumUs;
    this.maxUs = Math.max(this.maxUs, other.maxUs);
    return this;
  }

  /** The value at or below which `p` percent of the samples lie, in microseconds. */
  percentileUs(p: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil((p / 100) * this.count));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.#counts[i] ?? 0;
      if (seen >= rank) return Math.min(bucketUpperUs(i), this.maxUs);
    }
    return this.maxUs;
  }

  summary(): LatencySummary {
    const ms = (us: number) => Math.round(us) / 1000;
    return {
      count: this.count,
      mean: this.count === 0 ? 0 : ms(this.sumUs / this.count),
      p50: ms(this.percentileUs(50)),
      p95: ms(this.percentileUs(95)),
      p99: ms(this.percentileUs(99)),
      max: ms(this.maxUs),
    };
  }

  snapshot(): HistogramSnapshot {
    const counts: [number, number][] = [];
    this.#counts.forEach((c, i) => {
      if (c > 0) counts.push([i, c]);
    });
    return { counts, count: this.count, sumUs: this.sumUs, maxUs: this.maxUs };
  }

  static from(...snapshots: HistogramSnapshot[]): Histogram {
    const h = new Histogram();
    for (const s of snapshots) h.merge(s);
    return h;
  }
}
