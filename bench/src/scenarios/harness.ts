/**
 * Coordinator-side building blocks shared by the scenarios: a group of receiver processes, a
 * sender process, and `measure` (samples the servers' CPU/RSS around a phase). Every helper that
 * forks a process stops it, also when the phase throws.
 */
import { BENCH_SRC } from '../sut/server-process.js';
import { sleep } from '../lib/clock.js';
import { WorkerHandle } from '../proc/rpc.js';
import { readProc, ResourceSampler, type ResourceUsage } from '../proc/sampler.js';
import type { ConnSpec, ReceiverKind } from '../clients/connections.js';
import {
  addTallies,
  ArrivalSpread,
  emptyTally,
  type DeliveryTally,
} from '../stats/delivery-ledger.js';
import { Histogram } from '../stats/histogram.js';
import type { CollectResult, ConnectResult } from '../workers/receivers.js';
import type { SendParams, SendResult } from '../workers/senders.js';

const script = (name: string) => `${BENCH_SRC}workers/${name}.ts`;

export interface Collected {
  tally: DeliveryTally & { resyncs: number; closes: number };
  latency: Histogram;
  /** Per room, per message: the latest arrival's latency (send → every client). */
  spread: number[][];
  lastAt: number;
}

export class ReceiverGroup {
  private constructor(
    readonly workers: WorkerHandle[],
    readonly connected: number,
  ) {}

  static async open(
    kind: ReceiverKind,
    conns: ConnSpec[],
    shape: { rooms: number; maxPerRoom: number },
    processes: number,
  ): Promise<ReceiverGroup> {
    const workers = Array.from(
      { length: processes },
      (_, i) => new WorkerHandle(script('receivers'), `receivers-${i}`),
    );
    try {
      const results = await Promise.all(
        workers.map((w, i) =>
          w.call<ConnectResult>('connect', {
            kind,
            conns: conns.filter((_, j) => j % processes === i),
            ...shape,
          }),
        ),
      );
      const failed = results.reduce((s, r) => s + r.failed, 0);
      if (failed > 0) {
        throw new Error(
          `${failed} of ${conns.length} ${kind} connections failed: ${results.find((r) => r.firstError)?.firstError}`,
        );
      }
      return new ReceiverGroup(workers, conns.length);
    } catch (err) {
      await Promise.all(workers.map((w) => w.stop()));
      throw err;
    }
  }

  get pids(): number[] {
    return this.workers.map((w) => w.pid);
  }

  /** Starts a phase; with `onProgress`, reports the slowest connection's progress in room 0. */
  async arm(phase: string, onProgress?: (min: number) => void): Promise<void> {
    const latest = new Map<WorkerHandle, number>();
    for (const w of this.workers) {
      w.on('progress', (v) => {
        latest.set(w, Number(v));
        if (onProgress && latest.size === this.workers.length)
          onProgress(Math.min(...latest.values()));
      });
    }
    await Promise.all(
      this.workers.map((w) => w.call('arm', { phase, progressRoom: onProgress ? 0 : undefined })),
    );
  }

  /** Waits until nothing sent is missing any more, or nothing has arrived for `quietMs`. */
  async drain(sentPerRoom: number[], quietMs = 5000, maxMs = 60_000): Promise<void> {
    const until = Date.now() + maxMs;
    let last = -1;
    let lastChange = Date.now();
    while (Date.now() < until) {
      const missing = (
        await Promise.all(this.workers.map((w) => w.call<number>('missing', { sentPerRoom })))
      ).reduce((a, b) => a + b, 0);
      if (missing === 0) return;
      if (missing !== last) {
        last = missing;
        lastChange = Date.now();
      } else if (Date.now() - lastChange > quietMs) return;
      await sleep(100);
    }
  }

  async collect(sentPerRoom: number[]): Promise<Collected> {
    const parts = await Promise.all(
      this.workers.map((w) => w.call<CollectResult>('collect', { sentPerRoom })),
    );
    const latency = Histogram.from(...parts.map((p) => p.latency));
    const spread: number[][] = [];
    let tally = { ...emptyTally(), resyncs: 0, closes: 0 };
    for (const p of parts) {
      ArrivalSpread.merge(spread, p.spread);
      tally = {
        ...addTallies(tally, p.tally),
        resyncs: tally.resyncs + p.resyncs,
        closes: tally.closes + p.closes,
      };
    }
    return { tally, latency, spread, lastAt: Math.max(...parts.map((p) => p.lastAt)) };
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.call('close').catch(() => undefined)));
    await Promise.all(this.workers.map((w) => w.stop()));
  }
}

/** "send → every client received" per message, over the messages that were sent. */
export function spreadHistogram(spread: number[][], sentPerRoom: number[]): Histogram {
  const h = new Histogram();
  spread.forEach((row, r) => {
    const sent = sentPerRoom[r] ?? 0;
    for (let k = 0; k < Math.min(sent, row.length); k++)
      if ((row[k] ?? 0) > 0) h.recordMs(row[k] ?? 0);
  });
  return h;
}

/** Runs one sender process; `progress` (flow control) is relayed to it while it runs. */
export async function runSenders(params: SendParams, group?: ReceiverGroup): Promise<SendResult> {
  const worker = new WorkerHandle(script('senders'), 'senders');
  try {
    if (group)
      await group.arm(
        params.phase,
        params.mode === 'window' ? (min) => worker.notify('progress', min) : undefined,
      );
    return await worker.call<SendResult>('run', params);
  } finally {
    await worker.stop();
  }
}

/** Runs `fn` in its own worker process (history readers, PostgreSQL inserts). */
export async function runWorker<T>(name: string, params: unknown): Promise<T> {
  const worker = new WorkerHandle(script(name), name);
  try {
    return await worker.call<T>('run', params);
  } finally {
    await worker.stop();
  }
}

/** Samples the servers' CPU and RSS while `fn` runs. */
export async function measure<T>(
  pids: number[],
  fn: () => Promise<T>,
): Promise<[T, ResourceUsage]> {
  const sampler = new ResourceSampler(pids);
  try {
    const result = await fn();
    return [result, sampler.stop()];
  } catch (err) {
    sampler.stop();
    throw err;
  }
}

/**
 * Wait until process `pid` has used at most `maxPercent` of a core over a 500 ms window (or
 * `timeoutMs` passed); returns how long that took. A burst of connections leaves a server busy
 * for a while after the last one is ready (presence, snapshots): a steady-state measurement
 * starts after it.
 */
export async function quiesce(pid: number, maxPercent = 15, timeoutMs = 60_000): Promise<number> {
  const started = Date.now();
  let last = readProc(pid)?.cpuTicks ?? 0;
  while (Date.now() - started < timeoutMs) {
    await sleep(500);
    const now = readProc(pid)?.cpuTicks ?? last;
    const percent = (now - last) * 2; // ticks are 10 ms: per 500 ms, 1 tick = 2% of a core
    last = now;
    if (percent <= maxPercent) break;
  }
  return Date.now() - started;
}
