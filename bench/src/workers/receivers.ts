/**
 * Load process: holds many subscriber connections and records what they receive.
 *
 * Calls: `connect` (open the connections, bounded concurrency) → `arm` (start a phase: reset
 * counters; optionally report flow-control progress every 20 ms) → `collect` (tally loss and
 * duplicates against what was sent, ship the latency histogram and per-message spread) → `close`.
 * Frames carrying the marker of another phase are ignored; `resync` frames and unexpected closes
 * are counted, because each is a delivery the client would have to repair.
 */
import { nowMs } from '../lib/clock.js';
import { findMarker } from '../lib/marker.js';
import { notifyParent, serve } from '../proc/rpc.js';
import {
  openConnection,
  type ConnSpec,
  type OpenConn,
  type ReceiverKind,
} from '../clients/connections.js';
import { ArrivalSpread, DeliveryLedger } from '../stats/delivery-ledger.js';
import { Histogram } from '../stats/histogram.js';

export interface ConnectParams {
  kind: ReceiverKind;
  conns: ConnSpec[];
  rooms: number;
  maxPerRoom: number;
  concurrency?: number;
}

export interface ConnectResult {
  connected: number;
  failed: number;
  firstError?: string;
  ms: number;
}

export interface ArmParams {
  phase: string;
  /** Report the slowest connection's progress in this room (window flow control). */
  progressRoom?: number;
}

export interface CollectResult {
  tally: ReturnType<DeliveryLedger['tally']>;
  latency: ReturnType<Histogram['snapshot']>;
  spread: number[][];
  resyncs: number;
  closes: number;
  /** When the last marked frame of the phase arrived (epoch ms); 0 if none did. */
  lastAt: number;
}

let ledger = new DeliveryLedger(1);
let spread = new ArrivalSpread(0, 0);
let latency = new Histogram();
let phase = '';
let resyncs = 0;
let closes = 0;
let lastAt = 0;
let progressTimer: NodeJS.Timeout | undefined;
const open: OpenConn[] = [];
let shape = { rooms: 0, maxPerRoom: 1 };

function onFrame(conn: number, frame: string | Buffer): void {
  const m = findMarker(frame);
  if (!m) {
    if (frame.indexOf('"type":"resync"') >= 0) resyncs++;
    return;
  }
  if (m.phase !== phase) return;
  const now = nowMs();
  lastAt = now;
  const ms = now - m.t0;
  latency.recordMs(ms);
  ledger.record(conn, m.room, m.k);
  spread.record(m.room, m.k, ms);
}

async function connect(p: ConnectParams): Promise<ConnectResult> {
  const started = performance.now();
  shape = { rooms: p.rooms, maxPerRoom: p.maxPerRoom };
  ledger = new DeliveryLedger(p.maxPerRoom);
  spread = new ArrivalSpread(p.rooms, p.maxPerRoom);
  let failed = 0;
  let firstError: string | undefined;
  let next = 0;
  const lane = async () => {
    while (next < p.conns.length) {
      const spec = p.conns[next++];
      if (!spec) break;
      // Registered in the ledger only once ready: a connection that failed to open is reported
      // as a failure, not as thousands of lost deliveries.
      let id = -1;
      try {
        open.push(
          await openConnection(
            p.kind,
            spec,
            (frame) => id >= 0 && onFrame(id, frame),
            () => closes++,
          ),
        );
        id = ledger.addConnection(spec.room);
      } catch (err) {
        failed++;
        firstError ??= err instanceof Error ? err.message : String(err);
      }
    }
  };
  await Promise.all(Array.from({ length: p.concurrency ?? 64 }, lane));
  return {
    connected: open.length,
    failed,
    firstError,
    ms: Math.round(performance.now() - started),
  };
}

function arm(p: ArmParams): void {
  ledger.reset();
  spread = new ArrivalSpread(shape.rooms, shape.maxPerRoom);
  latency = new Histogram();
  resyncs = 0;
  closes = 0;
  lastAt = 0;
  phase = p.phase;
  clearInterval(progressTimer);
  const room = p.progressRoom;
  if (room !== undefined) {
    progressTimer = setInterval(() => notifyParent('progress', ledger.minProgress(room)), 20);
  }
}

function collect(p: { sentPerRoom: number[] }): CollectResult {
  clearInterval(progressTimer);
  progressTimer = undefined;
  const result = {
    tally: ledger.tally(p.sentPerRoom),
    latency: latency.snapshot(),
    spread: spread.latest,
    resyncs,
    closes,
    lastAt,
  };
  phase = '';
  return result;
}

/** Deliveries still missing for what was sent so far (the coordinator waits for zero). */
function missing(p: { sentPerRoom: number[] }): number {
  return ledger.tally(p.sentPerRoom).lost;
}

function close(): void {
  clearInterval(progressTimer);
  for (const c of open.splice(0)) c.close();
}

serve({ connect, arm, missing, collect, close }, undefined, close);
