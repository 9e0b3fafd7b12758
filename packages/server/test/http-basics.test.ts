import { request as httpRequest } from 'node:http';
import { Type } from '@sinclair/typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers/test-app.js';

describe('HTTP basics: health, errors, request ids, OpenAPI', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('external', { bodyLimitBytes: 2048 }, (app) => {
      // A route with a body schema, to see Fastify's own errors through the real pipeline.
      app.post(
        '/__test/echo',
        {
          schema: {
            body: Type.Object({ name: Type.String() }),
            querystring: Type.Object({ n: Type.Optional(Type.Integer()) }),
          },
        },
        async (request) => ({ name: request.body.name, n: request.query.n }),
      );
    });
  });
  afterAll(() => t.close());

  const get = (path: string, init?: RequestInit) => fetch(`${t.url}${path}`, init);

  it('answers the health endpoints exactly as API.md says', async () => {
    const hc = await get('/api/v1/healthcheck');
    expect(hc.status).toBe(200);
    const body = (await hc.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ status: 'ok', version: expect.any(String) as string });
    expect(typeof body.uptime_s).toBe('number');
    expect(await (await get('/health')).json()).toEqual({ status: 'ok' });
    expect((await get('/livez')).status).toBe(200);
    const ready = await get('/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ok', checks: { database: 'ok' } });
  });

  it('echoes a client X-Request-Id and makes one otherwise', async () => {
    const echoed = await get('/health', { headers: { 'x-request-id': 'abc-123' } });
    expect(echoed.headers.get('x-request-id')).toBe('abc-123');
    const made = await get('/health');
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const hostile = await get('/health', { headers: { 'x-request-id': 'a b<script>' } });
    expect(hostile.headers.get('x-request-id')).not.toContain('<');
  });

  it('uses the API.md error shape for unknown routes', async () => {
    const res = await get('/api/v1/does-not-exist');
    expect(res.status).toBe(404);
    expect(res.headers.get('x-request-id')).toBeTruthy();
    expect(await res.json()).toEqual({
      error: { code: 'not_found', message: expect.any(String) as string },
    });
  });

  it('keeps Fastify errors in the API.md shape when a route parses a body', async () => {
    const url = `${t.url}/__test/echo`;
    const bad = await fetch(url, {
      method: 'POST',
      body: '{"a":',
      headers: { 'content-type': 'application/json' },
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: 'invalid_request' } });
    const type = await fetch(url, {
      method: 'POST',
      body: 'a=b',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(type.status).toBe(415);
    expect(await type.json()).toMatchObject({ error: { code: 'unsupported_media_type' } });
    const big = await fetch(url, {
      method: 'POST',
      body: JSON.stringify({ name: 'x'.repeat(5000) }),
      headers: { 'content-type': 'application/json' },
    });
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ error: { code: 'payload_too_large' } });
    const coerced = await fetch(url, {
      method: 'POST',
      body: JSON.stringify({ name: 123 }),
      headers: { 'content-type': 'application/json' },
    });
    expect(coerced.status).toBe(400);
    expect(await coerced.json()).toMatchObject({
      error: { code: 'invalid_request', details: [{ field: 'body.name' }] },
    });
    const missing = await fetch(url, {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json' },
    });
    expect(await missing.json()).toMatchObject({ error: { details: [{ field: 'body.name' }] } });
    const proto = await fetch(url, {
      method: 'POST',
      body: '{"name":"x","__proto__":{"admin":true}}',
      headers: { 'content-type': 'application/json' },
    });
    expect(proto.status).toBe(400);
    const ok = await fetch(`${url}?n=5`, {
      method: 'POST',
      body: JSON.stringify({ name: 'ok' }),
      headers: { 'content-type': 'application/json' },
    });
    expect(await ok.json()).toEqual({ name: 'ok', n: 5 });
  });

  it('answers oversized headers with 431 in the API.md shape', async () => {
    const { status, body } = await rawGet(t.url, '/health', { 'x-big': 'y'.repeat(20_000) });
    expect(status).toBe(431);
    expect(JSON.parse(body)).toMatchObject({ error: { code: 'header_too_large' } });
  });

  it('serves an OpenAPI 3.1 document and interactive docs', async () => {
    const res = await get('/api/v1/openapi.json');
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toContain('/api/v1/healthcheck');
    const docs = await get('/docs');
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('<html');
  });

  it('turns readiness to 503 while draining, liveness stays 200', async () => {
    const other = await startTestApp('external');
    try {
      await other.lifecycle.beginDrain();
      const ready = await fetch(`${other.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({ error: { code: 'unavailable' } });
      expect((await fetch(`${other.url}/livez`)).status).toBe(200);
    } finally {
      await other.close();
    }
  });
});

function rawGet(
  base: string,
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${base}${path}`, { headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}
