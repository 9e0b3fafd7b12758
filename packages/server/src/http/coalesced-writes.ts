/**
 * Frames written to one socket within one turn of the event loop leave in (at most) two syscalls,
 * and in one while the socket is busy.
 *
 * Group commit acknowledges a batch of sends at once, so their events fan out together: with a
 * plain `write` each recipient got one syscall (and one wake-up on its side) per event. The
 * turn's first frame to a socket is written at once — a lone event costs what a plain write does
 * and leaves without waiting for the rest of the fan-out loop. A second frame in the same turn
 * corks the socket, and one `setImmediate` uncorks every socket corked meanwhile: the rest of
 * the burst leaves in one `writev`. A turn ends at the loop's check phase, so it takes in the
 * I/O callbacks already waiting in the same pass — the two send batches in flight often commit
 * together — and never waits for more I/O (pending immediates make the poll phase return at
 * once). Each event is still its own frame; nothing waits past the turn it was written in.
 *
 * Busy sockets: a socket that got a burst in a turn ending less than BURST_MEMORY_MS ago has its
 * next turn's first frame corked too, so under sustained load (one room's send batches fanning
 * out back to back) each turn is one `writev` per socket instead of a write and a `writev`: ~10%
 * less server CPU and ~14% more deliveries/s at 1,000 clients (docs/PERFORMANCE.md, round 6).
 * The first frame then waits for the end of its turn's fan-out loop — a few ms in a large room,
 * and only while bursts keep coming; at a steady low rate every turn is one frame, written at once.
 *
 * Order is the socket's own: corked writes queue in the stream in call order, and `ws`'s own
 * sends (its cork/write/uncork pairs nest inside ours) queue behind them.
 *
 * Corked bytes are not a backlog: the stream counts them as unsent (`writableLength`,
 * `bufferedAmount`) until the turn ends, so a slow-consumer check must count only the
 * `backlog` — or a burst of events in one turn would look like a client not reading.
 */
import type { Writable } from 'node:stream';

/** Sockets written in this turn → bytes corked since (0: written once, not corked). */
const written = new Map<Writable, number>();
/** Sockets that got more than one frame in this turn. */
let bursts = new Set<Writable>();
/** Those of the last turn, when it ended: still busy for BURST_MEMORY_MS. */
let busy = new Set<Writable>();
let busyUntil = 0;
/** Whether this turn started while `busy` was still recent (read once per turn). */
let busyNow = false;

/** How long a burst makes a socket's next turn wait for its end with its first frame too. */
export const BURST_MEMORY_MS = 50;

function endTurn(): void {
  const sockets = [...written];
  written.clear();
  for (const [socket, corkedBytes] of sockets) if (corkedBytes > 0) socket.uncork();
  busy = bursts;
  bursts = new Set();
  busyUntil = performance.now() + BURST_MEMORY_MS;
}

const byteLength = (chunk: Buffer | string): number =>
  typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;

export function writeCoalesced(socket: Writable, chunk: Buffer | string): void {
  const corkedBytes = written.get(socket);
  if (corkedBytes === undefined) {
    if (written.size === 0) {
      setImmediate(endTurn);
      busyNow = busy.size > 0 && performance.now() < busyUntil;
      // Stale: let go of them (until a turn comes, the last turn's sockets stay referenced).
      if (!busyNow) busy.clear();
    }
    if (busyNow && busy.has(socket)) {
      socket.cork();
      written.set(socket, byteLength(chunk));
    } else written.set(socket, 0);
  } else {
    if (corkedBytes === 0) socket.cork();
    bursts.add(socket);
    written.set(socket, corkedBytes + byteLength(chunk));
  }
  socket.write(chunk);
}

/** Bytes written to `socket` in this turn, still corked: they leave when the turn ends. */
export function coalescedBytes(socket: Writable): number {
  return written.get(socket) ?? 0;
}

/** Of `unsent` bytes the stream reports for `socket`, those from earlier turns: its backlog. */
export function backlog(socket: Writable, unsent: number): number {
  return Math.max(0, unsent - coalescedBytes(socket));
}
