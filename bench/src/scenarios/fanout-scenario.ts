/**
 * Scenario 2 (fan-out) for every size in the profile, in the same invocation: bare `ws`
 * (baseline a), Socket.IO (baseline b), then Parley — each on a fresh server process.
 */
import type { Profile } from '../profile.js';
import type { Row } from '../report/types.js';
import { startParley } from '../sut/parley.js';
import { BENCH_SRC, startScript } from '../sut/server-process.js';
import { createRooms, joinAll, registerUsers } from '../sut/fixtures.js';
import { fanoutRows, type FanoutTarget } from './fanout.js';

/** A room with `members` receiving users and one sender, all members. */
export async function fanoutRoom(url: string, members: number) {
  const [sender, ...users] = await registerUsers(url, members + 1);
  if (!sender) throw new Error('no sender');
  const [roomId] = await createRooms(sender, 1, 'fanout');
  if (!roomId) throw new Error('no room');
  await joinAll(users, [roomId]);
  return { roomId, sender, users };
}

export async function parleyFanoutTarget(
  urls: string[],
  pids: number[],
  clients: number,
): Promise<FanoutTarget> {
  const { roomId, sender, users } = await fanoutRoom(
    urls[0] ?? '',
    Math.min(50, Math.ceil(clients / 20)),
  );
  return {
    system: 'parley',
    receiverKind: 'parley-ws',
    senderKind: 'parley-rest',
    urls,
    pids,
    roomId,
    receiverTokens: users.map((u) => u.token),
    senderToken: sender.token,
  };
}

export async function fanoutScenario(
  profile: Profile,
  log: (s: string) => void,
  rows: Row[],
): Promise<void> {
  for (const clients of profile.fanout.clients) {
    const label = `1 room, ${clients.toLocaleString('en')} clients`;
    for (const system of ['bare-ws', 'socketio'] as const) {
      log(`fan-out ${clients}: ${system}`);
      const server = await startScript(
        system,
        `${BENCH_SRC}servers/${system === 'bare-ws' ? 'bare-ws-server' : 'socketio-server'}.ts`,
      );
      try {
        const target: FanoutTarget = {
          system,
          receiverKind: system,
          senderKind: system,
          urls: [server.url],
          pids: [server.pid],
          roomId: 'room-0',
        };
        rows.push(
          ...(await fanoutRows(
            profile,
            target,
            clients,
            (k) => `fanout.${k}.${clients}.${system}`,
            label,
          )),
        );
      } finally {
        await server.stop();
      }
    }
    log(`fan-out ${clients}: parley`);
    const cluster = await startParley();
    try {
      const target = await parleyFanoutTarget(
        cluster.nodes.map((n) => n.url),
        cluster.nodes.map((n) => n.pid),
        clients,
      );
      rows.push(
        ...(await fanoutRows(
          profile,
          target,
          clients,
          (k) => `fanout.${k}.${clients}.parley`,
          label,
        )),
      );
    } finally {
      await cluster.stop();
    }
  }
}

/**
 * Scenario 6: the fan-out over N nodes sharing Redis, against 1 node, same run. One node with
 * the same number of clients is exactly the fan-out scenario's Parley run: when this invocation
 * made it, its rows are the 1-node side instead of running it again.
 */
export async function scaleOutScenario(
  profile: Profile,
  log: (s: string) => void,
  rows: Row[],
): Promise<void> {
  const clients = profile.scaleOut.clients;
  for (const nodes of [1, profile.scaleOut.nodes]) {
    const done = nodes === 1 ? fanoutParleyRows(rows, clients) : [];
    if (done.length > 0) {
      log(`scale-out: 1 node, ${clients} clients = the fan-out scenario's Parley run`);
      rows.push(...done);
      continue;
    }
    log(`scale-out: ${nodes} node(s), ${clients} clients`);
    const cluster = await startParley({ nodes, redis: nodes > 1 });
    try {
      const target = await parleyFanoutTarget(
        cluster.nodes.map((n) => n.url),
        cluster.nodes.map((n) => n.pid),
        clients,
      );
      const label = `${nodes} node${nodes > 1 ? 's + Redis' : ''}, ${clients.toLocaleString('en')} clients`;
      rows.push(
        ...(await fanoutRows(
          profile,
          target,
          clients,
          (k) => `scaleout.${k}.${nodes}.parley`,
          label,
        )),
      );
    } finally {
      await cluster.stop();
    }
  }
}

/** The fan-out scenario's 1-node Parley rows for `clients`, as scale-out rows (both or none). */
function fanoutParleyRows(rows: Row[], clients: number): Row[] {
  const found = (['tput', 'lat'] as const).map((k) => ({
    k,
    row: rows.find((r) => r.id === `fanout.${k}.${clients}.parley`),
  }));
  if (found.some((f) => !f.row || f.row.skipped !== undefined)) return [];
  return found.map(({ k, row }) => ({
    ...row!,
    id: `scaleout.${k}.1.parley`,
    scenario: 'scaleout',
    label: `1 node, ${clients.toLocaleString('en')} clients (the fan-out scenario's run)`,
  }));
}
