/** The shape of a benchmark run, as written to bench/results/<timestamp>.json. */
import type { ResourceUsage } from '../proc/sampler.js';
import type { DeliveryTally } from '../stats/delivery-ledger.js';
import type { LatencySummary } from '../stats/histogram.js';

export type System = 'parley' | 'bare-ws' | 'socketio' | 'postgres';

export interface Row {
  /** Stable key the targets and ratios refer to, e.g. `fanout.tput.1000.parley`. */
  id: string;
  scenario: string;
  /** What was measured, for humans: "REST, 64 senders, 100 rooms, external PostgreSQL". */
  label: string;
  system: System;
  throughput?: { value: number; unit: string };
  /** Which latency this is ("ack", "delivery", "all clients", "request"); milliseconds. */
  latencyKind?: string;
  latency?: LatencySummary;
  delivery?: DeliveryTally & { resyncs: number; closes: number };
  errors?: Record<string, number>;
  resources?: ResourceUsage;
  extra?: Record<string, number | string>;
  /** The scenario could not run (e.g. an API it needs has not landed); why. */
  skipped?: string;
}

export interface TargetResult {
  id: string;
  description: string;
  value?: number;
  threshold: string;
  pass?: boolean;
  note?: string;
}

export interface Ratio {
  label: string;
  value?: number;
  numerator: string;
  denominator: string;
}

export interface Report {
  startedAt: string;
  finishedAt: string;
  profile: string;
  machine: { cpus: number; model: string; memGiB: number; node: string; loadAvg: number[] };
  rows: Row[];
  targets: TargetResult[];
  ratios: Ratio[];
}
