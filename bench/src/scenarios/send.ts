/**
 * Scenario 1 (durable sends) and baseline (c).
 * - baseline: raw PostgreSQL single-row INSERT + COMMIT from `pgConnections` connections;
 * - REST: `senders` concurrent senders (closed loop) into `rooms` rooms, each sender a member of
 *   ROOMS_PER_SENDER of them and each room shared by several senders (so senders contend on
 *   rooms), external and embedded;
 * - WS `send`: the same over WebSocket; each sender is the only member of its own rooms (with
 *   shared rooms every sender's socket would also receive everyone's events — that is fan-out);
 * - steady: REST at a fixed `steadyRate` (open loop), ack latency.
 */
import { randomBytes } from 'node:crypto';
import type { Profile } from '../profile.js';
import type { Row } from '../report/types.js';
import {
  adminQuery,
  PG_ADMIN_URL,
  startParley,
  type Engine,
  type ParleyCluster,
} from '../sut/parley.js';
import { createRooms, joinEach, pool, registerUsers } from '../sut/fixtures.js';
import { Histogram } from '../stats/histogram.js';
import type { PgInsertResult } from '../workers/pg-inserts.js';
import type { SendParams, SendResult } from '../workers/senders.js';
import { luaString, runWrk, wrkAvailable, type WrkResult } from '../clients/wrk.js';
import { measure, runSenders, runWorker } from './harness.js';

const BIG = 1_000_000_000;

export async function pgBaseline(profile: Profile): Promise<Row> {
  const name = `parley_bench_pg_${randomBytes(4).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  try {
    await adminQuery(
      'CREATE TABLE bench_inserts (id bigserial PRIMARY KEY, room int NOT NULL, body jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now())',
      url.toString(),
    );
    const r = await runWorker<PgInsertResult>('pg-inserts', {
      databaseUrl: url.toString(),
      table: 'bench_inserts',
      connections: profile.pgConnections,
      durationMs: profile.phaseMs,
      maxInserts: BIG,
    });
    return {
      id: 'send.pg.postgres',
      scenario: 'send',
      label: `raw INSERT+COMMIT, ${profile.pgConnections} connections (pg), external PostgreSQL`,
      system: 'postgres',
      throughput: { value: Math.round(r.inserts / (r.elapsedMs / 1000)), unit: 'commits/s' },
      latencyKind: 'commit',
      latency: Histogram.from(r.latency).summary(),
      errors: r.errors ? { failed: r.errors } : {},
    };
  } finally {
    await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
}

function sendRow(id: string, label: string, r: SendResult, resources: Row['resources']): Row {
  return {
    id,
    scenario: 'send',
    label,
    system: 'parley',
    throughput: { value: Math.round(r.acked / (r.elapsedMs / 1000)), unit: 'acked msg/s' },
    latencyKind: 'ack',
    latency: Histogram.from(r.latency).summary(),
    errors: r.errors,
    resources,
    extra: { sent: r.sent, acked: r.acked },
  };
}

async function restCase(
  profile: Profile,
  engine: Engine,
  log: (s: string) => void,
  rows: Row[],
): Promise<void> {
  const { senders, rooms: roomCount, steadyRate } = profile.send;
  const cluster: ParleyCluster = await startParley({ engine });
  try {
    const node = cluster.nodes[0];
    if (!node) throw new Error('no node');
    log(`send (${engine}): ${senders} users, ${roomCount} shared rooms`);
    const users = await registerUsers(node.url, senders);
    const [owner] = users;
    if (!owner) throw new Error('no users');
    const roomIds = await createRooms(owner, roomCount, 'send');
    const memberOf = spreadRooms(users.length, roomCount, ROOMS_PER_SENDER);
    await joinEach(users, memberOf, roomIds);
    const lanes = users.map((u, i) => ({
      url: node.url,
      token: u.token,
      rooms: (memberOf[i] ?? []).map((index) => ({ index, id: roomIds[index] ?? '' })),
    }));
    const base: Omit<SendParams, 'phase' | 'mode'> = {
      kind: 'parley-rest',
      lanes,
      roomCount,
      maxPerRoom: BIG,
      durationMs: profile.phaseMs,
      maxMessages: BIG,
    };
    const pids = cluster.nodes.map((n) => n.pid);
    // A short warm-up so JIT and pool connections are not part of the measurement.
    await runSenders({ ...base, durationMs: 1000, phase: 'warm', mode: 'closed' });
    // One REST phase: wrk (paced at `ratePerS`, or closed loop), its sends checked in the
    // database afterwards; the Node client where wrk is missing.
    const restPhase = async (id: string, label: string, ratePerS?: number): Promise<Row> => {
      if (!wrkAvailable()) {
        const mode = ratePerS === undefined ? ('closed' as const) : ('paced' as const);
        const [r, res] = await measure(pids, () =>
          runSenders({ ...base, phase: mode, mode, ...(ratePerS ? { ratePerS } : {}) }),
        );
        return sendRow(id, `${label} (Node client)`, r, res);
      }
      const phase = `wrk${randomBytes(3).toString('hex')}`;
      const [r, res] = await measure(pids, () =>
        runWrk({
          url: node.url,
          connections: senders,
          durationMs: profile.phaseMs,
          ...(ratePerS ? { ratePerS } : {}),
          script: restSendLua(
            users.map((u) => u.token),
            memberOf.map((rooms) => rooms.map((i) => roomIds[i] ?? '')),
            phase,
          ),
        }),
      );
      const check = cluster.databaseUrl
        ? await checkStored(cluster.databaseUrl, roomIds, phase, r.requests - r.non2xx)
        : undefined;
      const how = ratePerS === undefined ? 'wrk' : 'wrk, paced';
      return wrkSendRow(id, `${label} (${how})`, r, res, check);
    };
    // The steady rate first: a steady state, not the wake of the saturating phase (PostgreSQL's
    // autovacuum and checkpoint of the rows it just wrote would be measured with it).
    if (engine === 'external')
      rows.push(
        await restPhase(
          'send.steady.parley',
          `REST, steady ${steadyRate} msg/s, ${roomCount} rooms, external`,
          steadyRate,
        ),
      );
    rows.push(
      await restPhase(
        `send.rest.${engine}.parley`,
        `REST, ${senders} senders, ${roomCount} rooms, ${engine} PostgreSQL`,
      ),
    );
    if (engine === 'external') rows.push(await wsCase(profile, cluster, log));
  } finally {
    await cluster.stop();
  }
}

/** Rooms each REST sender is a member of (of `rooms`): 64 × 10 memberships instead of 6,400. */
const ROOMS_PER_SENDER = 10;

/**
 * Which rooms each of `senders` joins: membership j (of senders × perSender) is sender j mod
 * senders in room j mod rooms, so every sender has `perSender` distinct rooms (while perSender ≤
 * rooms ÷ gcd) and every room about senders × perSender ÷ rooms senders.
 */
export function spreadRooms(senders: number, rooms: number, perSender: number): number[][] {
  const memberOf = Array.from({ length: senders }, () => [] as number[]);
  for (let j = 0; j < senders * Math.min(perSender, rooms); j++) {
    const mine = memberOf[j % senders]!;
    if (!mine.includes(j % rooms)) mine.push(j % rooms);
  }
  return memberOf;
}

/**
 * wrk's sender: `connections` concurrent keep-alive connections, each request from the next
 * user's token into the next of that user's rooms, with a unique Idempotency-Key (so the check
 * below can find exactly these messages).
 */
function restSendLua(tokens: string[], roomsOf: string[][], phase: string): string {
  return `
tokens = {${tokens.map(luaString).join(',')}}
rooms = {${roomsOf.map((rooms) => `{${rooms.map(luaString).join(',')}}`).join(',')}}
local n = 0
request = function()
  n = n + 1
  local t = (n % #tokens) + 1
  local token = tokens[t]
  local mine = rooms[t]
  local room = mine[(math.floor(n / #tokens) % #mine) + 1]
  return wrk.format("POST", "/api/v1/rooms/" .. room .. "/messages",
    { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json",
      ["Idempotency-Key"] = "${phase}-" .. n },
    '{"content":{"type":"text","text":"${phase} message ' .. n .. ' ${'x'.repeat(48)}"}}')
end`;
}

interface StoredCheck {
  stored: number;
  lost: number;
  duplicated: number;
  seqGaps: number;
}

/**
 * Durability, counted in the database after the run: every acknowledged send is stored (lost =
 * acked − stored, when positive: a send still in flight when wrk stopped may be stored without
 * having been counted), no key stored twice, and every room's event seqs are exactly 1..n.
 */
async function checkStored(
  databaseUrl: string,
  roomIds: string[],
  phase: string,
  acked: number,
): Promise<StoredCheck> {
  if (!/^[a-z0-9]+$/.test(phase) || !roomIds.every((id) => /^[0-9a-f-]{36}$/.test(id)))
    throw new Error('unexpected phase or room id');
  const ids = roomIds.map((id) => `'${id}'`).join(',');
  const mine = await adminQuery(
    `SELECT count(*)::int AS n, count(DISTINCT idempotency_key)::int AS d FROM messages
     WHERE idempotency_key LIKE '${phase}-%' AND room_id IN (${ids})`,
    databaseUrl,
  );
  const gaps = await adminQuery(
    `SELECT coalesce(sum(m - n), 0)::int AS gaps FROM (
       SELECT max(seq) AS m, count(*) AS n FROM events WHERE room_id IN (${ids}) GROUP BY room_id
     ) per_room`,
    databaseUrl,
  );
  const row = mine.rows[0] as { n: number; d: number };
  return {
    stored: row.n,
    lost: Math.max(0, acked - row.n),
    duplicated: row.n - row.d,
    seqGaps: (gaps.rows[0] as { gaps: number }).gaps,
  };
}

function wrkSendRow(
  id: string,
  label: string,
  r: WrkResult,
  resources: Row['resources'],
  check: StoredCheck | undefined,
): Row {
  const acked = r.requests - r.non2xx;
  const errors: Record<string, number> = {};
  if (r.non2xx > 0) errors.http_error = r.non2xx;
  if (r.socketErrors > 0) errors.socket = r.socketErrors;
  if (check && check.seqGaps > 0) errors.seq_gaps = check.seqGaps;
  return {
    id,
    scenario: 'send',
    label,
    system: 'parley',
    throughput: { value: Math.round(acked / (r.elapsedMs / 1000)), unit: 'acked msg/s' },
    latencyKind: 'ack',
    latency: r.latency,
    ...(check
      ? {
          delivery: {
            expected: acked,
            delivered: Math.min(acked, check.stored),
            lost: check.lost,
            duplicated: check.duplicated,
            foreign: 0,
            resyncs: 0,
            closes: 0,
          },
        }
      : {}),
    errors,
    resources,
    extra: { acked, ...(check ? { stored: check.stored } : {}) },
  };
}

async function wsCase(
  profile: Profile,
  cluster: ParleyCluster,
  log: (s: string) => void,
): Promise<Row> {
  const { senders, rooms: roomCount } = profile.send;
  const node = cluster.nodes[0];
  if (!node) throw new Error('no node');
  log(`send over WS: ${senders} users, ${roomCount} own rooms`);
  const users = await registerUsers(node.url, senders);
  // Room i belongs to sender i % senders, alone.
  const owned = await pool(Array.from({ length: roomCount }), 8, async (_, i) => {
    const owner = users[i % users.length];
    if (!owner) throw new Error('no owner');
    const [id] = await createRooms(owner, 1, 'wssend');
    return { index: i, id: id ?? '', owner };
  });
  const lanes = users.map((u) => ({
    url: node.url,
    token: u.token,
    rooms: owned.filter((r) => r.owner === u).map(({ index, id }) => ({ index, id })),
  }));
  const base = {
    kind: 'parley-ws' as const,
    lanes,
    roomCount,
    maxPerRoom: BIG,
    durationMs: profile.phaseMs,
    maxMessages: BIG,
  };
  await runSenders({ ...base, durationMs: 1000, phase: 'wswarm', mode: 'closed' });
  const [r, res] = await measure(
    cluster.nodes.map((n) => n.pid),
    () => runSenders({ ...base, phase: 'wsclosed', mode: 'closed' }),
  );
  return sendRow(
    'send.ws.external.parley',
    `WS send, ${senders} senders, ${roomCount} rooms, external PostgreSQL`,
    r,
    res,
  );
}

export async function sendScenario(
  profile: Profile,
  log: (s: string) => void,
  rows: Row[],
): Promise<void> {
  log('send: raw PostgreSQL baseline');
  rows.push(await pgBaseline(profile));
  await restCase(profile, 'external', log, rows);
  await restCase(profile, 'embedded', log, rows);
}
