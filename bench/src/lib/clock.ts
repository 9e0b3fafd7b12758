/**
 * One clock for every process of a run: epoch milliseconds with microsecond resolution. All the
 * processes share the machine's wall clock, so a send timestamp taken in the sender process can
 * be subtracted from a receipt timestamp taken in a receiver process.
 */
export const nowMs = (): number => performance.timeOrigin + performance.now();

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));
