/** Exponential backoff with full jitter: attempt 0 → up to `baseMs`, doubling to `maxMs`. */
export function backoffDelay(attempt: number, baseMs = 250, maxMs = 15_000): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 16));
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
}

export const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason as Error);
      },
      { once: true },
    );
  });

/** A random idempotency key (RFC 4122 v4) from the platform's CSPRNG. */
export function newIdempotencyKey(): string {
  return globalThis.crypto.randomUUID();
}
