/**
 * How big each scenario is. `quick` (< 2 minutes, for a change's smoke check) and `full` (the
 * issue's sizes: 10,000 connections, a 100k-message room). Both use the same code paths.
 */
export interface Profile {
  name: 'quick' | 'full';
  /** Length of each measured phase. */
  phaseMs: number;
  pgConnections: number;
  send: { senders: number; rooms: number; steadyRate: number };
  /**
   * `latencyMessages`: the fewest messages a fan-out latency phase sends (its rate stays below
   * saturation, so this sets its length): a p99 of fewer than 100 samples is their maximum.
   */
  fanout: { clients: number[]; latencyMessages: number };
  manyRooms: { connections: number; rooms: number; ratePerS: number };
  /** `firstPass`: also measure the first pass on a cold cache (before the steady state). */
  history: { messages: number; readers: number; firstPass: boolean };
  /** `settleMs`: wait before each RSS reading (BENCH_IDLE_SETTLE_MS overrides). */
  idle: { connections: number; settleMs: number };
  scaleOut: { clients: number; nodes: number };
}

export const PROFILES: Record<Profile['name'], Profile> = {
  quick: {
    name: 'quick',
    phaseMs: 3000,
    pgConnections: 32,
    send: { senders: 64, rooms: 100, steadyRate: 1000 },
    fanout: { clients: [1000], latencyMessages: 0 },
    manyRooms: { connections: 2000, rooms: 200, ratePerS: 200 },
    history: { messages: 100_000, readers: 16, firstPass: false },
    idle: { connections: 2000, settleMs: 1000 },
    scaleOut: { clients: 1000, nodes: 3 },
  },
  full: {
    name: 'full',
    phaseMs: 10_000,
    pgConnections: 32,
    send: { senders: 64, rooms: 100, steadyRate: 1000 },
    fanout: { clients: [1000, 5000, 10_000], latencyMessages: 100 },
    manyRooms: { connections: 10_000, rooms: 1000, ratePerS: 500 },
    history: { messages: 100_000, readers: 16, firstPass: true },
    idle: { connections: 10_000, settleMs: 3000 },
    scaleOut: { clients: 5000, nodes: 3 },
  },
};

/** Receiver processes for `n` connections: ≤ 5,000 sockets each (the fd limit here is 20,000). */
export const receiverProcesses = (n: number): number =>
  Math.min(4, Math.max(2, Math.ceil(n / 2500)));
