/**
 * Periodic work over every open connection (WebSocket and SSE pings), done in slices: the sweep
 * yields to the event loop after every `slice` connections. One ping is one socket write, and
 * 10,000 of them in one synchronous loop held the event loop for 95–190 ms on the bench machine
 * (measured with bare `ws`), delaying every delivery queued behind it — the occasional late
 * message of the 10,000-client fan-out (docs/PERFORMANCE.md).
 *
 * A sweep visits a snapshot of the set and skips what left it meanwhile; a visit that throws
 * (a socket closing under it) does not stop the sweep; a tick that comes while the previous
 * sweep still runs is skipped. The timer is unref'd; its owner clears it on close.
 */
const SLICE = 500;

export function startSweep<T>(
  items: Set<T>,
  everyMs: number,
  visit: (item: T) => void,
  slice = SLICE,
): NodeJS.Timeout {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    void sweep(items, visit, slice).finally(() => (running = false));
  }, everyMs);
  timer.unref();
  return timer;
}

export async function sweep<T>(
  items: Set<T>,
  visit: (item: T) => void,
  slice = SLICE,
): Promise<void> {
  let visited = 0;
  for (const item of [...items]) {
    if (!items.has(item)) continue;
    try {
      visit(item);
    } catch {
      // A connection closing under the sweep: its own close handler cleans up.
    }
    if (++visited % slice === 0) await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
