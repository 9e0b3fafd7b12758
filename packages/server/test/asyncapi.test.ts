/**
 * The realtime protocol document: served at /api/v1/asyncapi.json by a real app, valid AsyncAPI 3
 * according to the AsyncAPI project's own parser, and complete (every client frame type the
 * server accepts and every server frame it sends is described).
 */
import { Parser } from '@asyncapi/parser';
import { CLIENT_FRAMES } from '@parley/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers/test-app.js';

describe('AsyncAPI document', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('external');
  });
  afterAll(async () => {
    await t.close();
  });

  it('is served, valid AsyncAPI 3.0 and describes every frame', async () => {
    const res = await fetch(`${t.url}/api/v1/asyncapi.json`);
    expect(res.status).toBe(200);
    const text = await res.text();
    const { document, diagnostics } = await new Parser().parse(text);
    const errors = diagnostics.filter(
      (d) => (d.severity as number) === 0 /* DiagnosticSeverity.Error */,
    );
    expect(errors.map((d) => `${d.path.join('.')}: ${d.message}`)).toEqual([]);
    expect(document?.version()).toBe('3.0.0');
    const ws = document!.channels().get('websocket')!;
    expect(ws.address()).toBe('/api/v1/ws');
    const payloadTypes = ws
      .messages()
      .all()
      .map((m) => (m.payload()?.properties()?.type?.const() as string | undefined) ?? '');
    for (const type of Object.keys(CLIENT_FRAMES)) expect(payloadTypes).toContain(type);
    for (const type of [
      'event',
      'ready',
      'ack',
      'typing',
      'presence',
      'read',
      'resync',
      'error',
      'pong',
    ])
      expect(payloadTypes).toContain(type);
    expect(
      document!
        .channels()
        .all()
        .map((c) => c.address()),
    ).toEqual(
      expect.arrayContaining([
        '/api/v1/stream',
        '/api/v1/rooms/{room_id}/stream',
        '/api/v1/messages/stream',
      ]),
    );
  });
});
