/**
 * Load process: sends messages and measures acknowledgement latency (send → 201 / ack).
 *
 * Modes — `closed`: every lane sends its next message as soon as the previous one is
 * acknowledged (maximum throughput at a fixed concurrency); `paced`: an open-loop schedule at
 * `ratePerS` across the lanes, never waiting for acks (so a slow server shows up as latency
 * rather than as fewer requests); `window`: at most `window` messages ahead of the slowest
 * receiver, whose progress the coordinator relays (fan-out at saturation without unbounded
 * queues). Every run is bounded by `durationMs` and `maxMessages`.
 */
import { nowMs, sleep } from '../lib/clock.js';
import { messageText } from '../lib/envelope.js';
import { encodeMarker } from '../lib/marker.js';
import { serve } from '../proc/rpc.js';
import { createAgent } from '../clients/http.js';
import {
  openLane,
  SendError,
  type Lane,
  type SenderKind,
  type TargetRoom,
} from '../clients/senders.js';
import { Histogram } from '../stats/histogram.js';

export interface LaneSpec {
  url: string;
  token?: string;
  rooms: TargetRoom[];
}

export interface SendParams {
  kind: SenderKind;
  phase: string;
  lanes: LaneSpec[];
  roomCount: number;
  maxPerRoom: number;
  mode: 'closed' | 'paced' | 'window';
  ratePerS?: number;
  window?: number;
  durationMs: number;
  maxMessages: number;
}

export interface SendResult {
  sent: number;
  acked: number;
  errors: Record<string, number>;
  latency: ReturnType<Histogram['snapshot']>;
  sentPerRoom: number[];
  elapsedMs: number;
  firstSendAt: number;
}

let progress = 0;
let wakeProgress: (() => void) | undefined;

async function run(p: SendParams): Promise<SendResult> {
  // A REST lane keeps a window of sends in flight over as many keep-alive connections (HTTP/1.1
  // answers one request at a time per connection), as the WebSocket and Socket.IO senders keep
  // theirs in flight on one socket; with one connection Parley's fan-out sender was one send per
  // commit round trip and the fan-out measured the sender, not the broadcast.
  const inFlight = p.mode === 'window' ? (p.window ?? 8) : 1;
  const agent = createAgent(Math.max(1, p.lanes.length, inFlight));
  const lanes: { lane: Lane; rooms: TargetRoom[] }[] = [];
  for (const spec of p.lanes) {
    lanes.push({
      lane: await openLane(p.kind, spec.url, spec.token, spec.rooms, agent),
      rooms: spec.rooms,
    });
  }
  const latency = new Histogram();
  const errors: Record<string, number> = {};
  const sentPerRoom = new Array<number>(p.roomCount).fill(0);
  let sent = 0;
  let acked = 0;
  progress = 0;
  const started = nowMs();
  const deadline = started + p.durationMs;

  /** Picks a room with capacity left and sends one message on `lane`; false when all are full. */
  const sendOne = async (entry: (typeof lanes)[number], pick: number): Promise<boolean> => {
    let room: TargetRoom | undefined;
    for (let tries = 0; tries < entry.rooms.length; tries++) {
      const r = entry.rooms[(pick + tries) % entry.rooms.length];
      if (r && (sentPerRoom[r.index] ?? 0) < p.maxPerRoom) {
        room = r;
        break;
      }
    }
    if (!room) return false;
    const k = sentPerRoom[room.index] ?? 0;
    sentPerRoom[room.index] = k + 1;
    sent++;
    const t0 = nowMs();
    const text = messageText(encodeMarker({ phase: p.phase, room: room.index, k, t0 }));
    try {
      await entry.lane.send(room, k + 1, text, `${p.phase}-${room.index}-${k}`);
      acked++;
      latency.recordMs(nowMs() - t0);
    } catch (err) {
      const code =
        err instanceof SendError ? err.code : err instanceof Error ? err.message : 'error';
      errors[code] = (errors[code] ?? 0) + 1;
    }
    return true;
  };

  const more = () => sent < p.maxMessages && nowMs() < deadline;
  const inflight = new Set<Promise<unknown>>();
  const track = (promise: Promise<unknown>) => {
    inflight.add(promise);
    void promise.finally(() => inflight.delete(promise));
  };

  if (p.mode === 'closed') {
    await Promise.all(
      lanes.map(async (entry) => {
        let i = Math.floor(Math.random() * entry.rooms.length);
        while (more() && (await sendOne(entry, i++))) {
          // next
        }
      }),
    );
  } else if (p.mode === 'paced') {
    const interval = 1000 / (p.ratePerS ?? 100);
    for (let i = 0; more(); i++) {
      const due = started + i * interval;
      const wait = due - nowMs();
      if (wait > 1) await sleep(wait);
      const entry = lanes[i % lanes.length];
      if (!entry) break;
      track(sendOne(entry, Math.floor(i / lanes.length)));
    }
  } else {
    const window = p.window ?? 8;
    const entry = lanes[0];
    for (let i = 0; entry && more(); i++) {
      while (i >= progress + window && nowMs() < deadline) {
        await new Promise<void>((resolve) => {
          wakeProgress = resolve;
          setTimeout(resolve, 100);
        });
      }
      if (nowMs() >= deadline) break;
      track(sendOne(entry, i));
    }
  }
  // Let in-flight sends finish (bounded).
  const settle = nowMs() + 30_000;
  while (inflight.size > 0 && nowMs() < settle) await Promise.race([...inflight, sleep(100)]);
  for (const l of lanes) l.lane.close();
  agent.destroy();
  return {
    sent,
    acked,
    errors,
    latency: latency.snapshot(),
    sentPerRoom,
    elapsedMs: nowMs() - started,
    firstSendAt: started,
  };
}

serve({ run }, (topic, data) => {
  if (topic === 'progress' && typeof data === 'number') {
    progress = data;
    wakeProgress?.();
  }
});
