/**
 * Scenario 5: memory per idle connection. A fresh server, its RSS once warm (a few connections
 * opened and closed), then `connections` idle connections held open; the difference ÷ count,
 * after the heap has had time to settle. Parley WS, Parley SSE (each on its own fresh node), and
 * bare `ws` for reference.
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

async function settledRss(pid: number): Promise<number> {
  await sleep(3000);
  return readProc(pid)?.rssBytes ?? 0;
}

async function measureIdle(
  server: ServerProcess,
  kind: ReceiverKind,
  n: number,
  tokens: (string | undefined)[],
): Promise<{ kibPerConn: number; before: number; after: number }> {
  const conns = (count: number) =>
    Array.from({ length: count }, (_, i) => ({
      url: server.url,
      token: tokens[i % tokens.length],
      room: 0,
    }));
  const warm = await ReceiverGroup.open(kind, conns(50), { rooms: 1, maxPerRoom: 1 }, 1);
  await warm.close();
  const before = await settledRss(server.pid);
  const group = await ReceiverGroup.open(
    kind,
    conns(n),
    { rooms: 1, maxPerRoom: 1 },
    receiverProcesses(n),
  );
  try {
    const after = await settledRss(server.pid);
    return { kibPerConn: Math.round(((after - before) / n / 1024) * 100) / 100, before, after };
  } finally {
    await group.close();
  }
}

function idleRow(
  id: string,
  system: System,
  label: string,
  m: { kibPerConn: number; before: number; after: number },
): Row {
  const mib = (b: number) => Math.round((b / 1048576) * 10) / 10;
  return {
    id,
    scenario: 'idle',
    label,
    system,
    extra: {
      kib_per_conn: m.kibPerConn,
      rss_before_mib: mib(m.before),
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
  const bare = await startScript('bare-ws', `${BENCH_SRC}servers/bare-ws-server.ts`);
  try {
    rows.push(
      idleRow(
        'idle.ws.bare-ws',
        'bare-ws',
        `${n.toLocaleString('en')} idle WebSockets`,
        await measureIdle(bare, 'bare-ws', n, [undefined]),
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
    const cluster = await startParley();
    try {
      const node = cluster.nodes[0];
      if (!node) throw new Error('no node');
      const users = await registerUsers(node.url, 20);
      const m = await measureIdle(
        node,
        kind,
        n,
        users.map((u) => u.token),
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
