/**
 * Scenario 4: `GET …/messages?limit=50` on a room holding `messages` messages (seeded by SQL,
 * then one sent through the API),
 * `readers` concurrent readers in a closed loop, half newest page, half a random older page.
 * Readers are wrk connections when wrk is installed (see clients/wrk.ts), else the Node worker.
 * Two phases with wrk: the first pass on a fresh node (older pages' blocks still to be read from
 * the database: `history.parley.cold`, reported; full profile only), then — after the room has
 * been scrolled back once — the steady state the target is about (`history.parley`).
 */
import type { Profile } from '../profile.js';
import type { Row } from '../report/types.js';
import { startParley } from '../sut/parley.js';
import { createRooms, registerUsers, seedHistory } from '../sut/fixtures.js';
import { Histogram } from '../stats/histogram.js';
import type { HistoryResult } from '../workers/history-readers.js';
import { luaString, runWrk, wrkAvailable } from '../clients/wrk.js';
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
    // A single node keeps access checks in memory and learns of writes it did not make (this
    // SQL seed, like the operator CLI's) at its next write to the room or ROOM_VIEW_CACHE_S later
    // (domain/rooms/room-view-cache.ts): one message through the API, as a running room has.
    await user.client.messages.send(roomId, {
      content: { type: 'text', text: 'after the import' },
    });
    const params = {
      url: node.url,
      token: user.token,
      roomId,
      lastSeq: messages,
      limit: 50,
      concurrency: readers,
      maxRequests: 10_000_000,
    };
    const label = `limit=50, ${messages.toLocaleString('en')}-message room, ${readers} readers`;
    if (wrkAvailable()) {
      const phase = async (id: string, what: string): Promise<Row> => {
        const [r, res] = await measure(
          cluster.nodes.map((n) => n.pid),
          () =>
            runWrk({
              url: node.url,
              connections: readers,
              durationMs: profile.phaseMs,
              script: historyLua(user.token, roomId, messages, params.limit),
            }),
        );
        const errors: Record<string, number> = {};
        if (r.non2xx > 0) errors.http_error = r.non2xx;
        if (r.socketErrors > 0) errors.socket = r.socketErrors;
        return {
          id,
          scenario: 'history',
          label: `${label}, ${what} (wrk)`,
          system: 'parley',
          throughput: { value: Math.round(r.requests / (r.elapsedMs / 1000)), unit: 'req/s' },
          latencyKind: 'request',
          latency: r.latency,
          errors,
          resources: res,
        };
      };
      // A server that just started: every older page's block is read from the database first
      // (the full profile only: --quick keeps under two minutes).
      const cold = profile.history.firstPass
        ? [await phase('history.parley.cold', 'first pass (older-history cache cold)')]
        : [];
      // Then the room is scrolled back once, and the target phase measures the steady state of a
      // node that has served this room before.
      log(`history: scrolling the room back`);
      const scrolled = await scrollBack(node.url, user.token, roomId, messages, params.limit);
      const steady = await phase(
        'history.parley',
        `steady state (after a scroll of ${scrolled} pages)`,
      );
      return [steady, ...cold];
    }
    await runWorker<HistoryResult>('history-readers', { ...params, durationMs: 1000 }); // warm-up
    const [r, res] = await measure(
      cluster.nodes.map((n) => n.pid),
      () => runWorker<HistoryResult>('history-readers', { ...params, durationMs: profile.phaseMs }),
    );
    return [
      {
        id: 'history.parley',
        scenario: 'history',
        label: `${label} (Node client)`,
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

/**
 * Every page from the newest back to the first, as readers scrolling up would: 8 readers, each
 * opening the room (the newest page, which a node serves from another path than older pages)
 * and then scrolling its own eighth of it (the same pages one reader would read, sooner).
 */
async function scrollBack(
  url: string,
  token: string,
  roomId: string,
  lastSeq: number,
  limit: number,
): Promise<number> {
  const lanes = 8;
  const span = Math.ceil((lastSeq + 1) / lanes);
  const counts = await Promise.all(
    Array.from({ length: lanes }, async (_, lane) => {
      const open = await fetch(`${url}/api/v1/rooms/${roomId}/messages?limit=${limit}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      if (open.status !== 200) throw new Error(`opening the room answered ${open.status}`);
      await open.arrayBuffer();
      const floor = lane * span;
      let before = Math.min(lastSeq + 1, floor + span);
      let pages = 1;
      while (before > floor) {
        const res = await fetch(
          `${url}/api/v1/rooms/${roomId}/messages?limit=${limit}&before=${before}`,
          { headers: { authorization: `Bearer ${token}` } },
        );
        if (res.status !== 200) throw new Error(`scrolling history answered ${res.status}`);
        const page = (await res.json()) as { messages: { seq: number }[]; has_more: boolean };
        pages++;
        if (!page.has_more || page.messages.length === 0) break;
        before = page.messages[0]!.seq;
      }
      return pages;
    }),
  );
  return counts.reduce((a, b) => a + b, 0);
}

/** Every other request the newest page, the others a random older page (as the Node worker). */
function historyLua(token: string, roomId: string, lastSeq: number, limit: number): string {
  return `
math.randomseed(os.time())
local path = "/api/v1/rooms/" .. ${luaString(roomId)} .. "/messages?limit=${limit}"
local headers = { ["Authorization"] = "Bearer " .. ${luaString(token)} }
local n = 0
request = function()
  n = n + 1
  if n % 2 == 0 then return wrk.format("GET", path, headers) end
  local before = ${limit + 1} + math.random(0, ${Math.max(0, lastSeq - limit - 1)})
  return wrk.format("GET", path .. "&before=" .. before, headers)
end`;
}
