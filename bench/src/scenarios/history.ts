/**
 * Scenario 4: `GET …/messages?limit=50` on a room holding `messages` messages (seeded by SQL),
 * `readers` concurrent readers in a closed loop, half newest page, half a random older page.
 */
import type { Profile } from '../profile.js';
import type { Row } from '../report/types.js';
import { startParley } from '../sut/parley.js';
import { createRooms, registerUsers, seedHistory } from '../sut/fixtures.js';
import { Histogram } from '../stats/histogram.js';
import type { HistoryResult } from '../workers/history-readers.js';
import { measure, runWorker } from './harness.js';

export async function historyScenario(profile: Profile, log: (s: string) => void): Promise<Row[]> {
  const { messages, readers } = profile.history;
  const cluster = await startParley();
  try {
    const node = cluster.nodes[0];
    if (!node || !cluster.databaseUrl) throw new Error('history needs the external engine');
    const [user] = await registerUsers(node.url, 1);
    if (!user) throw new Error('no user');
    const [roomId] = await createRooms(user, 1, 'history');
    if (!roomId) throw new Error('no room');
    log(`history: seeding ${messages.toLocaleString('en')} messages`);
    await seedHistory(cluster.databaseUrl, roomId, user.id, messages);
    const params = {
      url: node.url,
      token: user.token,
      roomId,
      lastSeq: messages,
      limit: 50,
      concurrency: readers,
      maxRequests: 10_000_000,
    };
    await runWorker<HistoryResult>('history-readers', { ...params, durationMs: 1000 }); // warm-up
    const [r, res] = await measure(
      cluster.nodes.map((n) => n.pid),
      () => runWorker<HistoryResult>('history-readers', { ...params, durationMs: profile.phaseMs }),
    );
    return [
      {
        id: 'history.parley',
        scenario: 'history',
        label: `limit=50, ${messages.toLocaleString('en')}-message room, ${readers} readers`,
        system: 'parley',
        throughput: { value: Math.round(r.requests / (r.elapsedMs / 1000)), unit: 'req/s' },
        latencyKind: 'request',
        latency: Histogram.from(r.latency).summary(),
        errors: r.errors,
        resources: res,
      },
    ];
  } finally {
    await cluster.stop();
  }
}
