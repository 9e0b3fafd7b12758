/**
 * The deploy topology, for real: deploy/nginx/parley.conf in Debian's nginx, in front of two
 * built Parley processes sharing one PostgreSQL and Redis (what docker-compose.yml runs).
 */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './helpers/databases.js';
import { startNginx, type RunningNginx } from './helpers/nginx.js';
import { isEvent, TestSocket, TestStream, type Frame } from './helpers/realtime-client.js';
import { spawnServer, type ServerProcess } from './helpers/server-process.js';
import { generalRoomId, registerUser } from './helpers/users.js';

interface Answer {
  status: number;
  headers: Record<string, string[]>;
  body: string;
}

/**
 * A plain HTTP/1.1 request from a chosen loopback source address: nginx limits per client
 * address, so each test speaks from its own and no test eats another's rate budget.
 */
function get(url: string, from: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { localAddress: from, headers, agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => {
        const all: Record<string, string[]> = {};
        for (let i = 0; i < res.rawHeaders.length; i += 2) {
          const name = res.rawHeaders[i]!.toLowerCase();
          (all[name] ??= []).push(res.rawHeaders[i + 1]!);
        }
        resolve({ status: res.statusCode ?? 0, headers: all, body });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

const metricValue = async (node: ServerProcess, pattern: RegExp) => {
  const text = await (await fetch(`${node.url}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => pattern.test(l))
    .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
};

describe('nginx in front of two Parley nodes', () => {
  let db: TestDatabase;
  let nodes: ServerProcess[] = [];
  let nginx: RunningNginx | undefined;

  beforeAll(async () => {
    db = await createTestDatabase('external');
    const env = {
      DATABASE_URL: db.url,
      REDIS_URL: 'redis://127.0.0.1:6379',
      JWT_SECRET: 'nginx-test-secret-shared-by-both-nodes-0123456789',
      TRUST_PROXY: 'true',
    };
    // Both start at once, as in compose: migrations serialise on their advisory lock.
    nodes = await Promise.all([spawnServer(env), spawnServer(env)]);
    nginx = await startNginx(nodes.map((n) => `127.0.0.1:${n.port}`));
  });

  afterAll(async () => {
    await nginx?.stop();
    await Promise.all(nodes.map((n) => n.stop()));
    await db?.drop();
  });

  it('proxies the API to both nodes', async () => {
    for (let i = 0; i < 6; i++) {
      const res = await get(`${nginx!.url}/api/v1/healthcheck`, '127.0.0.2');
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body)).toMatchObject({ status: 'ok' });
    }
    const route = /^parley_http_request_duration_seconds_count\{.*route="\/api\/v1\/healthcheck"/;
    const served = await Promise.all(nodes.map((n) => metricValue(n, route)));
    expect(served.reduce((a, b) => a + b)).toBe(6);
    for (const count of served) expect(count).toBeGreaterThan(0);
  });

  it('sets each security header exactly once, keeps the app CSP and request ids', async () => {
    const res = await get(`${nginx!.url}/api/v1/healthcheck`, '127.0.0.3', {
      'x-request-id': 'trace-me-42',
    });
    expect(res.status).toBe(200);
    expect(res.headers['x-frame-options']).toEqual(['DENY']);
    expect(res.headers['x-content-type-options']).toEqual(['nosniff']);
    expect(res.headers['referrer-policy']).toEqual(['strict-origin-when-cross-origin']);
    expect(res.headers['permissions-policy']).toHaveLength(1);
    expect(res.headers['content-security-policy']?.[0]).toContain("default-src 'self'");
    expect(res.headers['x-request-id']).toEqual(['trace-me-42']);
    expect(res.headers.server).toEqual(['nginx']); // server_tokens off: no version
    // Error pages too.
    const missing = await get(`${nginx!.url}/api/v1/nope`, '127.0.0.3');
    expect(missing.status).toBe(404);
    expect(missing.headers['x-frame-options']).toEqual(['DENY']);
  });

  it('keeps /metrics away from the edge', async () => {
    expect((await get(`${nginx!.url}/metrics`, '127.0.0.4')).status).toBe(404);
    expect((await fetch(`${nodes[0]!.url}/metrics`)).status).toBe(200);
  });

  it('carries WebSocket and SSE through nginx, across both nodes, without buffering', async () => {
    // Connections from one client address: the handshakes count against its API rate.
    const alice = await registerUser(nginx!.url);
    const bob = await registerUser(nginx!.url);
    const general = await generalRoomId(nginx!.url, alice);

    // least_conn spreads the two long-lived connections over the two nodes.
    const socket = await TestSocket.open(nginx!.url, { token: alice.access_token });
    const stream = await TestStream.open(`${nginx!.url}/api/v1/stream`, bob.headers);
    try {
      expect(stream.response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(stream.response.headers.get('x-frame-options')).toBe('DENY');
      const open = await Promise.all(
        nodes.map((n) => metricValue(n, /^parley_open_connections\{transport="(ws|sse)"\}/)),
      );
      expect(open).toEqual([1, 1]);

      const sent = await fetch(`${nginx!.url}/api/v1/rooms/${general}/messages`, {
        method: 'POST',
        headers: alice.headers,
        body: JSON.stringify({ text: 'through the proxy' }),
      });
      expect(sent.status).toBe(201);
      const { seq } = (await sent.json()) as { seq: number };
      const mine = (f: Frame) => f.seq === seq;
      // A single small event arriving proves nginx does not buffer the stream.
      await stream.next((f) => isEvent(general, 'message.created')(f) && mine(f));
      await socket.next((f) => isEvent(general, 'message.created')(f) && mine(f));
      socket.send({ type: 'ping' });
      await socket.next((f) => f.type === 'pong');
    } finally {
      stream.close();
      await socket.close();
    }
  });

  it('limits the API to 10 r/s with a burst of 20, answering 429 in the API shape', async () => {
    const from = '127.0.0.5';
    const answers = await Promise.all(
      Array.from({ length: 40 }, () => get(`${nginx!.url}/api/v1/healthcheck`, from)),
    );
    const ok = answers.filter((a) => a.status === 200).length;
    const limited = answers.filter((a) => a.status === 429);
    // 1 + burst 20 pass at once; the 10 r/s refill may admit one more while the 40 arrive.
    expect(ok).toBeGreaterThanOrEqual(21);
    expect(ok).toBeLessThanOrEqual(23);
    expect(limited.length).toBe(40 - ok);
    expect(JSON.parse(limited[0]!.body)).toEqual({
      error: { code: 'rate_limited', message: expect.any(String) as string },
    });
    expect(limited[0]!.headers['retry-after']).toEqual(['1']);
    expect(limited[0]!.headers['x-frame-options']).toEqual(['DENY']);
    // Another client address is unaffected.
    expect((await get(`${nginx!.url}/api/v1/healthcheck`, '127.0.0.6')).status).toBe(200);
  });
});
