/**
 * Frames written to one socket within one turn of the event loop leave in one `writev`.
 *
 * Group commit acknowledges a batch of sends at once, so their events fan out in the same turn:
 * with a plain `write` each recipient got one syscall (and one wake-up on its side) per event.
 * The first write of a turn corks the socket; one `process.nextTick` — after the promise
 * continuations that publish the rest of the batch, before any I/O — uncorks every socket
 * written meanwhile. Each event is still its own frame; nothing waits past the current turn.
 *
 * Order is the socket's own: corked writes queue in the stream in call order, and `ws`'s own
 * sends (its cork/write/uncork pairs nest inside ours) queue behind them.
 *
 * Corked bytes are not a backlog: the stream counts them as unsent (`writableLength`,
 * `bufferedAmount`) until the turn ends, so a slow-consumer check must subtract
 * `coalescedBytes` — or a burst of events in one turn would look like a client not reading.
 */
import type { Writable } from 'node:stream';

/** Sockets corked in this turn → bytes written to them since. */
const corked = new Map<Writable, number>();

function uncorkAll(): void {
  const sockets = [...corked.keys()];
  corked.clear();
  for (const socket of sockets) socket.uncork();
}

export function writeCoalesced(socket: Writable, chunk: Buffer | string): void {
  const bytes = typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
  const pending = corked.get(socket);
  if (pending === undefined) {
    if (corked.size === 0) process.nextTick(uncorkAll);
    socket.cork();
  }
  corked.set(socket, (pending ?? 0) + bytes);
  socket.write(chunk);
}

/** Bytes written to `socket` in this turn, still corked: they leave when the turn ends. */
export function coalescedBytes(socket: Writable): number {
  return corked.get(socket) ?? 0;
}
