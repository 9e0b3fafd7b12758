/**
 * Scenario 3: `connections` WebSocket clients across `rooms` rooms (one member user per room,
 * several connections each), a steady total message rate spread round-robin over the rooms;
 * delivery latency and send → every client of the room.
 */
import type { Profile } from '../profile.js';
import { receiverProcesses } from '../profile.js';
import type { Row } from '../report/types.js';
import { startParley } from '../sut/parley.js';
import { createRooms, pool, registerUsers } from '../sut/fixtures.js';
import { measure, quiesce, ReceiverGroup, runSenders, spreadHistogram } from './harness.js';

export async function manyRoomsScenario(
  profile: Profile,
  log: (s: string) => void,
): Promise<Row[]> {
  const { connections, rooms: roomCount, ratePerS } = profile.manyRooms;
  const cluster = await startParley();
  try {
    const node = cluster.nodes[0];
    if (!node) throw new Error('no node');
    log(`many rooms: ${roomCount} users and rooms`);
    const users = await registerUsers(node.url, roomCount);
    // Each user creates (and so is the only member of) its own room.
    const roomIds = await pool(users, 8, async (u) => (await createRooms(u, 1, 'many'))[0] ?? '');
    const conns = Array.from({ length: connections }, (_, i) => ({
      url: node.url,
      token: users[i % roomCount]?.token,
      room: i % roomCount,
    }));
    const seconds = profile.phaseMs / 1000;
    const maxPerRoom = Math.ceil((ratePerS * seconds) / roomCount) + 2;
    log(`many rooms: ${connections} connections`);
    const group = await ReceiverGroup.open(
      'parley-ws',
      conns,
      { rooms: roomCount, maxPerRoom },
      receiverProcesses(connections),
    );
    try {
      const settledMs = await quiesce(node.pid);
      log(
        `many rooms: the node settled ${(settledMs / 1000).toFixed(1)} s after the last connection`,
      );
      const lanes = users.map((u, i) => ({
        url: node.url,
        token: u.token,
        rooms: [{ index: i, id: roomIds[i] ?? '' }],
      }));
      const [r, res] = await measure(
        cluster.nodes.map((n) => n.pid),
        async () => {
          const sent = await runSenders(
            {
              kind: 'parley-rest',
              phase: 'many',
              lanes,
              roomCount,
              maxPerRoom,
              mode: 'paced',
              ratePerS,
              durationMs: profile.phaseMs,
              maxMessages: Math.ceil(ratePerS * seconds),
            },
            group,
          );
          await group.drain(sent.sentPerRoom);
          return { sent, got: await group.collect(sent.sentPerRoom) };
        },
      );
      const label = `${connections.toLocaleString('en')} connections, ${roomCount.toLocaleString('en')} rooms, ${ratePerS} msg/s`;
      const spread = spreadHistogram(r.got.spread, r.sent.sentPerRoom).summary();
      return [
        {
          id: 'manyrooms.parley',
          scenario: 'many rooms',
          label,
          system: 'parley',
          throughput: { value: Math.round(r.got.tally.delivered / seconds), unit: 'deliveries/s' },
          latencyKind: 'delivery',
          latency: r.got.latency.summary(),
          delivery: r.got.tally,
          errors: r.sent.errors,
          resources: res,
          extra: {
            messages: r.sent.sent,
            all_clients_p99_ms: spread.p99,
            settled_after_connect_s: Math.round(settledMs / 100) / 10,
          },
        },
      ];
    } finally {
      await group.close();
    }
  } finally {
    await cluster.stop();
  }
}
