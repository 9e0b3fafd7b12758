import { describe, expect, it } from 'vitest';
import { parseRssKib, parseStat } from '../src/proc/sampler.js';
import { renderMarkdown } from '../src/report/render-markdown.js';
import { computeRatios, evaluateTargets } from '../src/report/targets.js';
import type { Report, Row } from '../src/report/types.js';

const lat = (p99: number) => ({ count: 10, mean: 1, p50: 1, p95: 2, p99, max: p99 });
const rows: Row[] = [
  {
    id: 'send.pg.postgres',
    scenario: 'send',
    label: 'pg',
    system: 'postgres',
    throughput: { value: 3000, unit: 'commits/s' },
  },
  {
    id: 'send.rest.external.parley',
    scenario: 'send',
    label: 'rest',
    system: 'parley',
    throughput: { value: 6000, unit: 'msg/s' },
    latency: lat(20),
  },
  {
    id: 'send.steady.parley',
    scenario: 'send',
    label: 'steady',
    system: 'parley',
    latency: lat(12),
  },
  {
    id: 'fanout.tput.1000.bare-ws',
    scenario: 'fan-out',
    label: 'f',
    system: 'bare-ws',
    throughput: { value: 80_000, unit: 'd/s' },
  },
  {
    id: 'fanout.tput.1000.socketio',
    scenario: 'fan-out',
    label: 'f',
    system: 'socketio',
    throughput: { value: 20_000, unit: 'd/s' },
  },
  {
    id: 'fanout.tput.1000.parley',
    scenario: 'fan-out',
    label: 'f',
    system: 'parley',
    throughput: { value: 60_000, unit: 'd/s' },
    delivery: {
      expected: 10,
      delivered: 9,
      lost: 1,
      duplicated: 0,
      foreign: 0,
      resyncs: 0,
      closes: 0,
    },
  },
  {
    id: 'idle.ws.parley',
    scenario: 'idle',
    label: 'idle',
    system: 'parley',
    extra: { kib_per_conn: 9.5, kib_average: 4.25 },
  },
  {
    id: 'history.failed',
    scenario: 'history',
    label: 'history',
    system: 'parley',
    skipped: 'no route',
  },
];

describe('targets', () => {
  it('passes, fails, or says "not measured" for each target', () => {
    const byId = Object.fromEntries(evaluateTargets(rows).map((t) => [t.id, t]));
    expect(byId['durable-sends']).toMatchObject({ value: 6000, pass: true });
    expect(byId['ack-p99']).toMatchObject({ value: 12, pass: false });
    expect(byId['history-p99']?.pass).toBeUndefined();
    expect(byId['fanout-vs-ws']).toMatchObject({ value: 0.75, pass: true });
    expect(byId['fanout-vs-socketio']).toMatchObject({ value: 3, pass: true });
    expect(byId['idle-ws-kib']).toMatchObject({ value: 9.5, pass: true });
    expect(byId['zero-loss']).toMatchObject({
      value: 1,
      pass: false,
      note: 'in: fanout.tput.1000.parley',
    });
  });

  it('judges idle memory by the marginal figure, or the average when a GC made it ≤ 0', () => {
    const idle = (extra: Record<string, number>): Row[] => [
      { id: 'idle.ws.parley', scenario: 'idle', label: 'idle', system: 'parley', extra },
    ];
    const kib = (extra: Record<string, number>) =>
      evaluateTargets(idle(extra)).find((t) => t.id === 'idle-ws-kib');
    // A GC between the two readings made the marginal figure negative: the average decides.
    expect(kib({ kib_per_conn: -0.76, kib_average: 7.72 })).toMatchObject({
      value: 7.72,
      pass: true,
    });
    expect(kib({ kib_per_conn: 6.3, kib_average: 11 })).toMatchObject({ value: 6.3, pass: true });
    expect(kib({ kib_per_conn: 12, kib_average: 9 })).toMatchObject({ value: 12, pass: false });
  });

  it('computes Parley ÷ baseline ratios for the pairs that ran', () => {
    const ratios = computeRatios(rows);
    expect(
      ratios.find((r) => r.denominator === 'send.pg.postgres' && r.numerator.includes('rest'))
        ?.value,
    ).toBe(2);
    expect(ratios.some((r) => r.numerator.includes('scaleout'))).toBe(false);
  });
});

describe('markdown report', () => {
  it('renders targets, ratios and every row, including skipped ones', () => {
    const report: Report = {
      startedAt: '2026-11-22T00:00:00.000Z',
      finishedAt: '2026-11-22T00:01:00.000Z',
      profile: 'quick',
      machine: { cpus: 2, model: 'cpu', memGiB: 24, node: 'v20', loadAvg: [1, 2, 3] },
      rows,
      targets: evaluateTargets(rows),
      ratios: computeRatios(rows),
    };
    const md = renderMarkdown(report);
    expect(md).toContain(
      '| durable REST sends (64 senders, 100 rooms, external PG), msg/s | 6,000 | ≥ 5000 | **pass** |',
    );
    expect(md).toContain('**FAIL**');
    expect(md).toContain('skipped: no route');
    expect(md).toContain('| 1 / 0 |');
  });
});

describe('/proc parsing', () => {
  it('reads utime+stime even when the process name has spaces and parentheses', () => {
    const stat =
      '1234 (node (bench) x) S 1 1234 1234 0 -1 4194560 500 0 0 0 150 25 0 0 20 0 11 0 100 0 0';
    expect(parseStat(stat)).toBe(175);
    expect(parseRssKib('Name:\tnode\nVmRSS:\t  123456 kB\nThreads: 11\n')).toBe(123456);
  });
});
