import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './helpers/databases.js';
import { isEvent, TestSocket } from './helpers/realtime-client.js';
import { spawnServer, type ServerProcess } from './helpers/server-process.js';

const INSTRUMENT_JS = fileURLToPath(
  new URL('../dist/observability/instrument.js', import.meta.url),
);

interface ReceivedSpan {
  scope: string;
  name: string;
  traceId: string;
  parentSpanId?: string;
  attributes: Record<string, unknown>;
  links: { traceId: string; spanId: string }[];
}

interface OtlpJson {
  resourceSpans: {
    scopeSpans: {
      scope: { name: string };
      spans: {
        name: string;
        traceId: string;
        parentSpanId?: string;
        attributes?: { key: string; value: Record<string, unknown> }[];
        links?: { traceId: string; spanId: string }[];
      }[];
    }[];
  }[];
}

/** A real OTLP/HTTP (JSON) receiver: what a collector's `/v1/traces` endpoint does, minus storage. */
async function startReceiver() {
  const spans: ReceivedSpan[] = [];
  const paths: string[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      paths.push(req.url ?? '');
      const doc = JSON.parse(body) as OtlpJson;
      for (const rs of doc.resourceSpans)
        for (const ss of rs.scopeSpans)
          for (const s of ss.spans)
            spans.push({
              scope: ss.scope.name,
              name: s.name,
              traceId: s.traceId,
              parentSpanId: s.parentSpanId,
              attributes: Object.fromEntries(
                (s.attributes ?? []).map((a) => [a.key, Object.values(a.value)[0]]),
              ),
              links: s.links ?? [],
            });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    paths,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('tracing: OTLP export from the real server process', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let db: TestDatabase;
  let server: ServerProcess | undefined;

  beforeAll(async () => {
    [receiver, db] = await Promise.all([startReceiver(), createTestDatabase('external')]);
  });
  afterAll(async () => {
    await server?.stop('SIGKILL');
    await Promise.all([receiver?.close(), db?.drop()]);
  });

  it('exports HTTP and database spans named by route, joined to the caller trace, flushed on SIGTERM', async () => {
    server = await spawnServer({
      DATABASE_URL: db.url,
      OTEL_EXPORTER_OTLP_ENDPOINT: `${receiver.url}/`,
      // Nothing is exported on a timer during the test: the spans below can only arrive
      // through the flush on shutdown.
      OTEL_BSP_SCHEDULE_DELAY: '600000',
      NODE_OPTIONS: `--import=${pathToFileURL(INSTRUMENT_JS).href}`,
    });
    expect(server.logs.some((l) => String(l.msg).includes('tracing is not loaded'))).toBe(false);

    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const traceparent = `00-${traceId}-00f067aa0ba902b7-01`;
    expect(
      (await fetch(`${server.url}/api/v1/healthcheck`, { headers: { traceparent } })).status,
    ).toBe(200);
    const dbTraceId = 'a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5';
    const guest = await fetch(`${server.url}/api/v1/auth/guest`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        traceparent: `00-${dbTraceId}-1111111111111111-01`,
      },
      body: JSON.stringify({ display_name: 'Tracer' }),
    });
    expect(guest.status).toBe(201);
    // A send (traced by the caller) and its delivery to a live WebSocket on this node.
    const { access_token: token } = (await guest.json()) as { access_token: string };
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const rooms = (await (await fetch(`${server.url}/api/v1/rooms`, { headers })).json()) as {
      rooms: { id: string; name: string }[];
    };
    const general = rooms.rooms.find((r) => r.name === 'general')!.id;
    const socket = await TestSocket.open(server.url, { token });
    const sendTraceId = 'feedfacefeedfacefeedfacefeedface';
    const sent = await fetch(`${server.url}/api/v1/rooms/${general}/messages`, {
      method: 'POST',
      headers: { ...headers, traceparent: `00-${sendTraceId}-2222222222222222-01` },
      body: JSON.stringify({ text: 'traced' }),
    });
    expect(sent.status).toBe(201);
    const { seq } = (await sent.json()) as { seq: number };
    await socket.next((f) => isEvent(general, 'message.created')(f) && f.seq === seq);
    await socket.close();
    expect((await fetch(`${server.url}/livez`)).status).toBe(200);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    expect(receiver.spans).toHaveLength(0);

    expect(await server.stop('SIGTERM')).toBe(0);
    expect(receiver.paths.every((p) => p === '/v1/traces')).toBe(true);

    const http = receiver.spans.filter((s) => s.scope === '@opentelemetry/instrumentation-http');
    const health = http.find((s) => s.name === 'GET /api/v1/healthcheck');
    expect(health).toMatchObject({
      traceId,
      parentSpanId: '00f067aa0ba902b7',
      attributes: { 'http.route': '/api/v1/healthcheck', 'http.response.status_code': 200 },
    });
    // The database work of a request is part of its trace.
    const queries = receiver.spans.filter(
      (s) => s.scope === '@opentelemetry/instrumentation-pg' && s.traceId === dbTraceId,
    );
    expect(queries.map((s) => s.name)).toContainEqual(expect.stringMatching(/^pg\.query/));
    expect(http.find((s) => s.traceId === dbTraceId)?.name).toBe('POST /api/v1/auth/guest');
    // The delivery is its own trace, linked to the send.
    const send = http.find((s) => s.traceId === sendTraceId);
    expect(send?.name).toBe('POST /api/v1/rooms/:room_id/messages');
    const delivery = receiver.spans.find(
      (s) => s.name === 'parley.deliver' && s.attributes['parley.seq'] === seq,
    );
    expect(delivery?.traceId).not.toBe(sendTraceId);
    expect(delivery?.links.map((l) => l.traceId)).toEqual([sendTraceId]);
    expect(delivery?.attributes).toMatchObject({
      'parley.room_id': general,
      'parley.recipients': 1,
    });
    // Probes are not traced: they would bury everything else.
    expect(http.map((s) => s.attributes['url.path'])).not.toContain('/livez');
    expect(http.map((s) => s.attributes['url.path'])).not.toContain('/readyz');
  });
});
