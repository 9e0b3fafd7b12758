/**
 * The realtime metrics, recorded by the real hub, broker and transports: a WebSocket client on
 * a real app (Redis broker), messages sent over REST, a long-poll, an event the broker never
 * carried (so reconciliation must catch it up), and a broker that cannot publish.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitEvents, REDIS_URL, uniquePrefix } from './helpers/realtime.js';
import { isEvent, TestSocket, TestStream } from './helpers/realtime-client.js';
import { startTestApp, type TestApp } from './helpers/test-app.js';
import { generalRoomId, registerUser, type TestUser } from './helpers/users.js';

/** Sum of a metric's samples whose line matches `labels` (e.g. `transport="ws"`). */
async function metric(t: TestApp, name: string, labels = ''): Promise<number> {
  const text = await (await fetch(`${t.url}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
    .filter((l) => l.includes(labels))
    .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
}

/** Polls `check` up to 200 times, 10 ms apart (the caller asserts afterwards). */
async function until(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200 && !(await check()); i++) await new Promise((r) => setTimeout(r, 10));
}

async function send(t: TestApp, user: TestUser, roomId: string, text: string) {
  const res = await fetch(`${t.url}/api/v1/rooms/${roomId}/messages`, {
    method: 'POST',
    headers: user.headers,
    body: JSON.stringify({ text }),
  });
  expect(res.status).toBe(201);
  return (await res.json()) as { seq: number };
}

describe('realtime metrics', () => {
  let t: TestApp;
  let user: TestUser;
  let roomId: string;
  beforeAll(async () => {
    t = await startTestApp('external', {
      redisUrl: REDIS_URL,
      redisPrefix: uniquePrefix(),
      realtimeReconcileMs: 100,
    });
    user = await registerUser(t.url);
    roomId = await generalRoomId(t.url, user);
  });
  afterAll(() => t?.close());

  it('counts WebSocket connections, live deliveries with their latency, and messages sent', async () => {
    const socket = await TestSocket.open(t.url, { token: user.access_token });
    try {
      expect(await metric(t, 'parley_open_connections', 'transport="ws"')).toBe(1);
      // A first frame ends the resume window; events held in it would count as catch-up writes.
      socket.send({ type: 'ping' });
      await socket.next((f) => f.type === 'pong');
      const sent = await send(t, user, roomId, 'hello metrics');
      await socket.next((f) => isEvent(roomId, 'message.created')(f) && f.seq === sent.seq);
      expect(await metric(t, 'parley_messages_sent_total')).toBe(1);
      expect(await metric(t, 'parley_events_delivered_total', 'transport="ws"')).toBe(1);
      expect(await metric(t, 'parley_delivery_latency_seconds_count', 'transport="ws"')).toBe(1);
    } finally {
      await socket.close();
    }
    await until(async () => (await metric(t, 'parley_open_connections', 'transport="ws"')) === 0);
    expect(await metric(t, 'parley_open_connections', 'transport="ws"')).toBe(0);
  });

  it('counts SSE streams and their deliveries', async () => {
    const stream = await TestStream.open(`${t.url}/api/v1/stream`, user.headers);
    try {
      await until(
        async () => (await metric(t, 'parley_open_connections', 'transport="sse"')) === 1,
      );
      expect(await metric(t, 'parley_open_connections', 'transport="sse"')).toBe(1);
      const sent = await send(t, user, roomId, 'over sse');
      await stream.next((f) => isEvent(roomId, 'message.created')(f) && f.seq === sent.seq);
      expect(await metric(t, 'parley_events_delivered_total', 'transport="sse"')).toBe(1);
      expect(await metric(t, 'parley_delivery_latency_seconds_count', 'transport="sse"')).toBe(1);
    } finally {
      stream.close();
    }
    await until(async () => (await metric(t, 'parley_open_connections', 'transport="sse"')) === 0);
    expect(await metric(t, 'parley_open_connections', 'transport="sse"')).toBe(0);
    // A stream is a connection, not a request: it stays out of the request-duration histogram.
    expect(
      await metric(t, 'parley_http_request_duration_seconds_count', 'route="/api/v1/stream"'),
    ).toBe(0);
  });

  it('counts a long-poll while it waits, and the event that answers it', async () => {
    const { seq } = await send(t, user, roomId, 'before the poll');
    const poll = fetch(`${t.url}/api/v1/rooms/${roomId}/messages?after=${seq}&wait=10`, {
      headers: user.headers,
    });
    await until(
      async () => (await metric(t, 'parley_open_connections', 'transport="longpoll"')) === 1,
    );
    expect(await metric(t, 'parley_open_connections', 'transport="longpoll"')).toBe(1);
    await send(t, user, roomId, 'wakes the poll');
    const res = await poll;
    expect(res.status).toBe(200);
    expect(((await res.json()) as { messages: unknown[] }).messages).toHaveLength(1);
    expect(await metric(t, 'parley_open_connections', 'transport="longpoll"')).toBe(0);
    expect(await metric(t, 'parley_events_delivered_total', 'transport="longpoll"')).toBe(1);
    // The waiting request is labelled apart from plain history reads.
    expect(
      await metric(
        t,
        'parley_http_request_duration_seconds_count',
        'route="/api/v1/rooms/:room_id/messages [long-poll]"',
      ),
    ).toBe(1);
  });

  it('counts rooms that reconciliation had to catch up from the event log', async () => {
    const socket = await TestSocket.open(t.url, { token: user.access_token });
    try {
      const before = await metric(t, 'parley_reconciliation_catchups_total');
      // Committed but never published: only reconciliation can find it.
      const [event] = await commitEvents(t.pool, roomId, 1);
      await socket.next((f) => isEvent(roomId)(f) && f.seq === event!.seq);
      expect(await metric(t, 'parley_reconciliation_catchups_total')).toBeGreaterThan(before);
    } finally {
      await socket.close();
    }
  });
});

describe('broker publish failures', () => {
  let t: TestApp;
  beforeAll(async () => {
    // Nothing listens on port 1: every publish fails (the app still serves; delivery falls back
    // to the log).
    t = await startTestApp('external', { redisUrl: 'redis://127.0.0.1:1' });
  });
  afterAll(() => t?.close());

  it('are counted', async () => {
    const user = await registerUser(t.url);
    const roomId = await generalRoomId(t.url, user);
    // Registration already published (member.joined) and failed: count from here.
    await until(async () => (await metric(t, 'parley_broker_publish_failures_total')) > 0);
    const before = await metric(t, 'parley_broker_publish_failures_total');
    await send(t, user, roomId, 'into the void');
    await until(async () => (await metric(t, 'parley_broker_publish_failures_total')) > before);
    expect(await metric(t, 'parley_broker_publish_failures_total')).toBeGreaterThan(before);
  });
});

describe('rate-limit rejections by limiter', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('external', {
      rateLimitAuthPerMin: 3,
      rateLimitSendPerS: 1,
      rateLimitSendBurst: 1,
    });
  });
  afterAll(() => t?.close());

  it('counts the auth and send limiters apart from the API limiter', async () => {
    const user = await registerUser(t.url);
    const roomId = await generalRoomId(t.url, user);
    const sends = await Promise.all(
      ['a', 'b', 'c'].map((text) =>
        fetch(`${t.url}/api/v1/rooms/${roomId}/messages`, {
          method: 'POST',
          headers: user.headers,
          body: JSON.stringify({ text }),
        }),
      ),
    );
    const sendRejected = sends.filter((r) => r.status === 429).length;
    expect(sendRejected).toBeGreaterThan(0);
    expect(await metric(t, 'parley_rate_limit_rejections_total', 'scope="send"')).toBe(
      sendRejected,
    );

    let authRejected = 0;
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${t.url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: user.username, password: 'wrong password!' }),
      });
      if (res.status === 429) authRejected++;
    }
    expect(authRejected).toBeGreaterThan(0);
    expect(await metric(t, 'parley_rate_limit_rejections_total', 'scope="auth"')).toBe(
      authRejected,
    );
    expect(await metric(t, 'parley_rate_limit_rejections_total', 'scope="api"')).toBe(0);
  });
});
