/**
 * Scenario 5: memory per idle connection. A fresh server, its RSS once warm (a few connections
 * opened and closed), then `connections` idle connections opened in two equal halves, RSS read
 * after each has settled. Each reading follows a full garbage collection in the server (through
 * its inspector, sut/inspector.ts): what is read is what the connections retain, not the garbage
 * V8 happened not to have collected yet — without it two readings of the same idle server differ
 * by tens of MiB, more than 2,000 connections hold. The figure is the marginal cost: RSS added by
 * the second half ÷ its count. The first half also pays one-time costs that are not per
 * connection — JIT code, pools, V8's heap growing into new pages — which would otherwise be
 * spread over however many connections the profile opens. The plain average (whole RSS growth ÷
 * all connections) is reported beside it. Parley WS, Parley SSE (each on its own fresh node), and
 * bare `ws` for reference, all measured the same way.
 */
import type { ReceiverKind } from '../clients/connections.js';
import { sleep } from '../lib/clock.js';
import type { Profile } from '../profile.js';
import { receiverProcesses } from '../profile.js';
import { readProc } from '../proc/sampler.js';
import type { Row, System } from '../report/types.js';
import { startParley } from '../sut/parley.js';
import { BENCH_SRC, startScript, type ServerProcess } from '../sut/server-process.js';
import { registerUsers } from '../sut/fixtures.js';
import { ReceiverGroup } from './harness.js';

async function settledRss(server: ServerProcess, settleMs: number): Promise<number> {
  await sleep(Number(process.env.BENCH_IDLE_SETTLE_MS ?? settleMs));
  if (!server.collectGarbage) throw new Error(`${server.name} was started without its inspector`);
  await server.collectGarbage();
  // The collection returns freed pages to the system in the background.
  await sleep(GC_SETTLE_MS);
  return readProc(server.pid)?.rssBytes ?? 0;
}

const GC_SETTLE_MS = 300;

interface IdleMeasure {
  /** Marginal: RSS growth over the second half ÷ its connections. */
  kibPerConn: number;
  /** Whole RSS growth ÷ all connections (includes the one-time costs). */
  kibAverage: number;
  before: number;
  half: number;
  after: number;
}

async function measureIdle(
  server: ServerProcess,
  kind: ReceiverKind,
  n: number,
  tokens: (string | undefined)[],
  settleMs: number,
): Promise<IdleMeasure> {
  const conns = (count: number, offset = 0) =>
    Array.from({ length: count }, (_, i) => ({
      url: server.url,
      token: tokens[(i + offset) % tokens.length],
      room: 0,
    }));
  const warm = await ReceiverGroup.open(kind, conns(50), { rooms: 1, maxPerRoom: 1 }, 1);
  await warm.close();
  const before = await settledRss(server, settleMs);
  const halfN = Math.floor(n / 2);
  const procs = Math.max(1, Math.floor(receiverProcesses(n) / 2));
  const opts = { rooms: 1, maxPerRoom: 1 };
  const first = await ReceiverGroup.open(kind, conns(halfN), opts, procs);
  try {
    const half = await settledRss(server, settleMs);
    const second = await ReceiverGroup.open(kind, conns(n - halfN, halfN), opts, procs);
    try {
      const after = await settledRss(server, settleMs);
      const kib = (bytes: number, count: number) => Math.round((bytes / count / 1024) * 100) / 100;
      return {
        kibPerConn: kib(after - half, n - halfN),
        kibAverage: kib(after - before, n),
        before,
        half,
        after,
      };
    } finally {
      await second.close();
    }
  } finally {
    await first.close();
  }
}

function idleRow(id: string, system: System, label: string, m: IdleMeasure): Row {
  const mib = (b: number) => Math.round((b / 1048576) * 10) / 10;
  return {
    id,
    scenario: 'idle',
    label,
    system,
    extra: {
      kib_per_conn: m.kibPerConn,
      kib_average: m.kibAverage,
      rss_before_mib: mib(m.before),
      rss_half_mib: mib(m.half),
      rss_after_mib: mib(m.after),
    },
  };
}

export async function idleScenario(
  profile: Profile,
  log: (s: string) => void,
  rows: Row[],
): Promise<void> {
  const n = profile.idle.connections;
  log(`idle: bare ws, ${n} connections`);
  const bare = await startScript('bare-ws', `${BENCH_SRC}servers/bare-ws-server.ts`, {
    inspect: true,
  });
  try {
    rows.push(
      idleRow(
        'idle.ws.bare-ws',
        'bare-ws',
        `${n.toLocaleString('en')} idle WebSockets`,
        await measureIdle(bare, 'bare-ws', n, [undefined], profile.idle.settleMs),
      ),
    );
  } finally {
    await bare.stop();
  }
  for (const [kind, key] of [
    ['parley-ws', 'ws'],
    ['parley-sse', 'sse'],
  ] as const) {
    log(`idle: parley ${key}, ${n} connections`);
    const cluster = await startParley({ inspect: true });
    try {
      const node = cluster.nodes[0];
      if (!node) throw new Error('no node');
      const users = await registerUsers(node.url, 20);
      const m = await measureIdle(
        node,
        kind,
        n,
        users.map((u) => u.token),
        profile.idle.settleMs,
      );
      rows.push(
        idleRow(
          `idle.${key}.parley`,
          'parley',
          `${n.toLocaleString('en')} idle ${key === 'ws' ? 'WebSockets' : 'SSE streams'}`,
          m,
        ),
      );
    } finally {
      await cluster.stop();
    }
  }
}
