import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers/test-app.js';
import { generalRoomId, registerUser } from './helpers/users.js';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The Prometheus text format's sample lines (comments skipped); enough for these assertions. */
function parseSamples(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[k!] = v!;
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return samples;
}

const find = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );

describe('metrics: GET /metrics', () => {
  let t: TestApp;
  let limited: TestApp;
  beforeAll(async () => {
    // Two apps in one process: each has its own registry, so neither registration clashes.
    [t, limited] = await Promise.all([
      startTestApp('external'),
      startTestApp('embedded', { rateLimitApiPerMin: 3 }),
    ]);
  });
  afterAll(() => Promise.all([t?.close(), limited?.close()]));

  const scrape = async (app: TestApp) => {
    const res = await fetch(`${app.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return parseSamples(await res.text());
  };

  it('serves request durations by route pattern, never by raw URL', async () => {
    await fetch(`${t.url}/api/v1/healthcheck`);
    await fetch(`${t.url}/readyz`);
    for (const id of ['r1', 'r2', 'r3']) await fetch(`${t.url}/api/v1/nope/${id}?x=${id}`);
    const samples = await scrape(t);

    const health = find(samples, 'parley_http_request_duration_seconds_count', {
      route: '/api/v1/healthcheck',
      method: 'GET',
      status_code: '200',
    });
    expect(health.map((s) => s.value)).toEqual([1]);
    const unmatched = find(samples, 'parley_http_request_duration_seconds_count', {
      route: 'unmatched',
      status_code: '404',
    });
    expect(unmatched.map((s) => s.value)).toEqual([3]);
    const routes = new Set(
      find(samples, 'parley_http_request_duration_seconds_count').map((s) => s.labels.route),
    );
    for (const route of routes) expect(route).not.toMatch(/r\d|\?/);
  });

  it('counts older-history block reads (hit or load) and the cache’s bytes', async () => {
    const user = await registerUser(t.url);
    const roomId = await generalRoomId(t.url, user);
    // 200 messages by SQL, as the bench seeds them: full blocks of older history.
    await t.pool.query(
      `WITH bumped AS (UPDATE rooms SET last_seq = last_seq + 200 WHERE id = $1
                       RETURNING last_seq - 200 AS base)
       INSERT INTO messages (room_id, seq, author_id, content)
       SELECT $1, base + g, $2, jsonb_build_object('type', 'text', 'text', 'm' || g)
       FROM bumped, generate_series(1, 200) AS g`,
      [roomId, user.user.id],
    );
    const older = () =>
      fetch(`${t.url}/api/v1/rooms/${roomId}/messages?limit=20&before=100`, {
        headers: user.headers,
      });
    expect((await older()).status).toBe(200); // loads its blocks
    expect((await older()).status).toBe(200); // finds them
    const samples = await scrape(t);
    const reads = (result: string) =>
      find(samples, 'parley_history_block_reads_total', { result })[0]?.value ?? 0;
    expect(reads('load')).toBeGreaterThanOrEqual(1);
    expect(reads('hit')).toBeGreaterThanOrEqual(1);
    expect(find(samples, 'parley_history_block_cache_bytes')[0]?.value).toBeGreaterThan(0);
  });

  it('counts access checks answered from memory (a single node) or the database', async () => {
    const user = await registerUser(t.url);
    const roomId = await generalRoomId(t.url, user);
    const read = () =>
      fetch(`${t.url}/api/v1/rooms/${roomId}/messages?limit=5`, { headers: user.headers });
    const checks = async (result: string) =>
      find(await scrape(t), 'parley_room_view_reads_total', { result })[0]?.value ?? 0;
    const [hits, loads] = [await checks('hit'), await checks('load')];
    expect((await read()).status).toBe(200); // this user's view of the room: read
    expect((await read()).status).toBe(200); // kept
    expect(await checks('load')).toBe(loads + 1);
    expect(await checks('hit')).toBe(hits + 1);
  });

  it('reports database pool usage and query latency', async () => {
    await fetch(`${t.url}/readyz`); // runs SELECT 1 through the pool
    const samples = await scrape(t);
    expect(find(samples, 'parley_db_pool_max')[0]?.value).toBe(10);
    expect(find(samples, 'parley_db_pool_total')[0]?.value).toBeGreaterThanOrEqual(1);
    expect(find(samples, 'parley_db_pool_waiting')[0]?.value).toBe(0);
    expect(find(samples, 'parley_db_pool_idle')).toHaveLength(1);
    const ok = find(samples, 'parley_db_query_duration_seconds_count', { outcome: 'ok' });
    expect(ok[0]?.value).toBeGreaterThanOrEqual(1);
  });

  it('counts failed queries as errors', async () => {
    await t.pool.query('SELECT * FROM no_such_table').catch(() => undefined);
    const samples = await scrape(t);
    const failed = find(samples, 'parley_db_query_duration_seconds_count', { outcome: 'error' });
    expect(failed[0]?.value).toBeGreaterThanOrEqual(1);
  });

  it('exposes Node runtime metrics and zeroed realtime series', async () => {
    const samples = await scrape(t);
    expect(find(samples, 'nodejs_eventloop_lag_seconds')).toHaveLength(1);
    expect(find(samples, 'nodejs_heap_size_used_bytes')[0]?.value).toBeGreaterThan(0);
    for (const transport of ['ws', 'sse', 'longpoll']) {
      expect(find(samples, 'parley_open_connections', { transport })).toHaveLength(1);
      expect(find(samples, 'parley_events_delivered_total', { transport })).toHaveLength(1);
    }
    for (const name of [
      'parley_messages_sent_total',
      'parley_broker_publish_failures_total',
      'parley_reconciliation_catchups_total',
    ])
      expect(find(samples, name)).toHaveLength(1);
  });

  it('counts rate-limit rejections, and never limits the scrape itself', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++)
      statuses.push((await fetch(`${limited.url}/api/v1/healthcheck`)).status);
    expect(statuses.filter((s) => s === 429)).toHaveLength(2);
    for (let i = 0; i < 4; i++) await scrape(limited);
    const samples = await scrape(limited);
    expect(find(samples, 'parley_rate_limit_rejections_total', { scope: 'api' })[0]?.value).toBe(2);
    expect(
      find(samples, 'parley_http_request_duration_seconds_count', { status_code: '429' })[0]?.value,
    ).toBe(2);
  });
});
