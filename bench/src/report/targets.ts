/**
 * The targets, evaluated against the rows of one run. Speed targets live here and in the
 * report only — never in the test suite, where a noisy machine would make them flaky. A target
 * whose rows are missing (quick profile, a skipped scenario) is reported as not measured.
 */
import type { Ratio, Row, TargetResult } from './types.js';

const find = (rows: Row[], id: string) => rows.find((r) => r.id === id && !r.skipped);
const tput = (rows: Row[], id: string) => find(rows, id)?.throughput?.value;
const p99 = (rows: Row[], id: string) => find(rows, id)?.latency?.p99;
const div = (a?: number, b?: number) =>
  a === undefined || b === undefined || b === 0 ? undefined : Math.round((a / b) * 100) / 100;

function check(
  id: string,
  description: string,
  threshold: string,
  value: number | undefined,
  ok: (v: number) => boolean,
  note?: string,
): TargetResult {
  return value === undefined
    ? { id, description, threshold, note: note ?? 'not measured in this run' }
    : { id, description, threshold, value, pass: ok(value), note };
}

export function evaluateTargets(rows: Row[]): TargetResult[] {
  const out: TargetResult[] = [
    check(
      'durable-sends',
      'durable REST sends (64 senders, 100 rooms, external PG), msg/s',
      '≥ 5000',
      tput(rows, 'send.rest.external.parley'),
      (v) => v >= 5000,
    ),
    check(
      'ack-p99',
      'send ack p99 at a steady 1,000 msg/s, ms',
      '< 10',
      p99(rows, 'send.steady.parley'),
      (v) => v < 10,
    ),
    check(
      'history-p99',
      'history (limit=50, 100k-message room, 16 readers) p99, ms',
      '< 5',
      p99(rows, 'history.parley'),
      (v) => v < 5,
    ),
    check(
      'fanout-vs-ws',
      'fan-out deliveries/s, Parley ÷ bare ws (1,000 clients)',
      '≥ 0.70',
      div(tput(rows, 'fanout.tput.1000.parley'), tput(rows, 'fanout.tput.1000.bare-ws')),
      (v) => v >= 0.7,
    ),
    check(
      'fanout-vs-socketio',
      'fan-out deliveries/s, Parley ÷ Socket.IO (1,000 clients)',
      '≥ 2.0',
      div(tput(rows, 'fanout.tput.1000.parley'), tput(rows, 'fanout.tput.1000.socketio')),
      (v) => v >= 2,
    ),
    check(
      'e2e-p99-1000',
      'end-to-end p99, send → every client (1,000 clients), ms',
      '< 100',
      p99(rows, 'fanout.lat.1000.parley'),
      (v) => v < 100,
    ),
  ];
  for (const n of [5000, 10000]) {
    out.push(
      check(
        `e2e-vs-ws-${n}`,
        `end-to-end p99 Parley ÷ bare ws (${n.toLocaleString('en')} clients)`,
        '≤ 1.5',
        div(p99(rows, `fanout.lat.${n}.parley`), p99(rows, `fanout.lat.${n}.bare-ws`)),
        (v) => v <= 1.5,
      ),
    );
  }
  out.push(
    check(
      'idle-ws-kib',
      'RSS per idle WebSocket connection (marginal), KiB',
      '≤ 10',
      idleKib(find(rows, 'idle.ws.parley')),
      (v) => v <= 10,
    ),
  );
  // Parley's guarantee; a baseline's losses are shown in its row but are not Parley's target.
  const counted = rows.filter((r) => !r.skipped && r.delivery && r.system === 'parley');
  const bad = counted.filter((r) => (r.delivery?.lost ?? 0) + (r.delivery?.duplicated ?? 0) > 0);
  out.push(
    check(
      'zero-loss',
      'Parley messages lost or duplicated, all scenarios',
      '= 0',
      counted.length === 0
        ? undefined
        : counted.reduce((s, r) => s + (r.delivery?.lost ?? 0) + (r.delivery?.duplicated ?? 0), 0),
      (v) => v === 0,
      bad.length > 0 ? `in: ${bad.map((r) => r.id).join(', ')}` : undefined,
    ),
  );
  return out;
}

/**
 * The marginal figure (growth over the second half of the connections ÷ their count) leaves
 * one-time costs out, so it is the per-connection cost — unless a garbage collection between its
 * two readings freed more than the connections took, which shows as a figure ≤ 0; the average
 * (which includes the one-time costs) then stands in.
 */
function idleKib(row: Row | undefined): number | undefined {
  const marginal = numberExtra(row, 'kib_per_conn');
  return marginal !== undefined && marginal > 0 ? marginal : numberExtra(row, 'kib_average');
}

function numberExtra(row: Row | undefined, key: string): number | undefined {
  const v = row?.extra?.[key];
  return typeof v === 'number' ? v : undefined;
}

/** Parley ÷ baseline for every pair this run measured. */
export function computeRatios(rows: Row[]): Ratio[] {
  const pairs: [string, string, string][] = [
    ['REST sends ÷ raw PostgreSQL insert+commit', 'send.rest.external.parley', 'send.pg.postgres'],
    ['WS sends ÷ raw PostgreSQL insert+commit', 'send.ws.external.parley', 'send.pg.postgres'],
    [
      'REST sends embedded ÷ external PostgreSQL',
      'send.rest.embedded.parley',
      'send.rest.external.parley',
    ],
    [
      'scale-out 3 nodes ÷ 1 node (deliveries/s)',
      'scaleout.tput.3.parley',
      'scaleout.tput.1.parley',
    ],
  ];
  for (const n of [1000, 5000, 10000]) {
    pairs.push([
      `fan-out ${n} deliveries/s ÷ bare ws`,
      `fanout.tput.${n}.parley`,
      `fanout.tput.${n}.bare-ws`,
    ]);
    pairs.push([
      `fan-out ${n} deliveries/s ÷ Socket.IO`,
      `fanout.tput.${n}.parley`,
      `fanout.tput.${n}.socketio`,
    ]);
  }
  const out: Ratio[] = pairs
    .filter(([, a, b]) => find(rows, a) && find(rows, b))
    .map(([label, a, b]) => ({
      label,
      numerator: a,
      denominator: b,
      value: div(tput(rows, a), tput(rows, b)),
    }));
  for (const n of [1000, 5000, 10000]) {
    const a = `fanout.lat.${n}.parley`;
    const b = `fanout.lat.${n}.bare-ws`;
    if (find(rows, a) && find(rows, b))
      out.push({
        label: `fan-out ${n} e2e p99 ÷ bare ws (lower is better)`,
        numerator: a,
        denominator: b,
        value: div(p99(rows, a), p99(rows, b)),
      });
  }
  return out;
}
