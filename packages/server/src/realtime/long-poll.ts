/**
 * The long-poll seam (API.md "Long polling"): wait for the first new event in a room without
 * polling the database. A waiter registers on the room's channel like a subscription, so the room
 * stays followed (broker subscription, reconciliation) exactly while someone waits.
 */
import type { RoomEvent } from '@parley/protocol';
import type { Outbound } from './outbound.js';
import type { RoomRegistry } from './room-registry.js';

export interface WaitOptions {
  signal?: AbortSignal;
  /** Only events this accepts end the wait (e.g. `message.created` for the messages route). */
  accept?: (event: RoomEvent) => boolean;
}

/**
 * Resolves `true` as soon as the room has an event newer than `afterSeq` that `accept` takes
 * (at once when this node already holds one), `false` after `timeoutMs` or on abort.
 */
export async function waitForEvent(
  rooms: RoomRegistry,
  roomId: string,
  afterSeq: number,
  timeoutMs: number,
  opts: WaitOptions = {},
): Promise<boolean> {
  let done: (ok: boolean) => void = () => undefined;
  const result = new Promise<boolean>((resolve) => (done = resolve));
  const waiter = (f: Outbound) => {
    if ((f.seq ?? 0) > afterSeq && (!opts.accept || (f.event && opts.accept(f.event)))) done(true);
  };
  const [ch] = rooms.acquire([roomId]);
  if (!ch) return false;
  ch.waiters.add(waiter);
  const timer = setTimeout(() => done(false), timeoutMs);
  const onAbort = () => done(false);
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await ch.ready;
    if (ch.seq !== undefined && ch.seq > afterSeq) {
      // Events this node already has: from the ring of recent frames or the log, at most once.
      for (const f of await ch.framesAfter(afterSeq, 1000)) waiter(f);
    }
    return await result;
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onAbort);
    ch.waiters.delete(waiter);
    rooms.release(ch);
  }
}
