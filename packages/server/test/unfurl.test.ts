/**
 * `GET /api/v1/unfurl` end to end: a real Parley app, a real page server on loopback (allowed
 * through UNFURL_ALLOW_HOSTS=127.0.0.1 for these tests only), real DNS for `localhost`. The
 * refusals are proven against the same page server reached through names and addresses that are
 * not allow-listed; the only traffic that ever leaves is to loopback.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UnfurlService } from '../src/domain/unfurl/unfurl.service.js';
import { AppError } from '../src/errors.js';
import { startTestApp, type TestApp } from './helpers/test-app.js';

const OG_PAGE = `<!doctype html><html><head>
  <title>Fallback</title>
  <meta property="og:title" content="Parley &amp; friends">
  <meta property="og:description" content="A chat server">
  <meta property="og:image" content="/cover.png">
  <meta property="og:site_name" content="Parley">
</head><body><p>hello</p></body></html>`;

function startPageServer(): Promise<{ server: Server; port: number; hits: Map<string, number> }> {
  const hits = new Map<string, number>();
  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const port = (server.address() as AddressInfo).port;
    const html = (body: string) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(body);
    };
    switch (path) {
      case '/page':
      case '/counted':
        return html(OG_PAGE);
      case '/redirect':
        res.writeHead(302, { location: '/page' });
        return res.end();
      case '/redirect-private':
        // localhost resolves to loopback and is not allow-listed: the hop must be refused.
        res.writeHead(301, { location: `http://localhost:${port}/page` });
        return res.end();
      case '/redirect-loop':
        res.writeHead(302, { location: '/redirect-loop' });
        return res.end();
      case '/redirect-ftp':
        res.writeHead(302, { location: 'ftp://127.0.0.1/file' });
        return res.end();
      case '/json':
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end('{"title":"no"}');
      case '/missing':
        res.writeHead(404, { 'content-type': 'text/html' });
        return res.end('<title>Not found</title>');
      case '/gzip':
        res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'gzip' });
        return res.end(gzipSync('<title>Compressed</title>'));
      case '/latin1':
        res.writeHead(200, { 'content-type': 'text/html; charset=iso-8859-1' });
        return res.end(Buffer.from('<title>Caf\xe9</title>', 'latin1'));
      case '/endless': {
        // A page that never ends: the reader must stop at its byte cap and still answer.
        res.writeHead(200, { 'content-type': 'text/html' });
        res.write('<html><head><title>Endless</title></head><body>');
        const chunk = `<p>${'x'.repeat(16_000)}</p>`;
        const pump = () => {
          while (!res.destroyed && res.write(chunk));
          if (!res.destroyed) res.once('drain', pump);
        };
        return pump();
      }
      case '/hang':
        return; // never answers: the deadline must end the fetch
      default:
        res.writeHead(404);
        return res.end();
    }
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, port: (server.address() as AddressInfo).port, hits }),
    ),
  );
}

describe('GET /api/v1/unfurl', () => {
  let t: TestApp;
  let pages: Awaited<ReturnType<typeof startPageServer>>;
  let token: string;
  let base: string;

  beforeAll(async () => {
    pages = await startPageServer();
    base = `http://127.0.0.1:${pages.port}`;
    t = await startTestApp('external', {
      unfurlAllowPrivate: ['127.0.0.1'],
      unfurlTimeoutMs: 1000,
      unfurlMaxBytes: 64 * 1024,
    });
    const res = await fetch(`${t.url}/api/v1/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'previewer', password: 'correct horse battery' }),
    });
    expect(res.status).toBe(201);
    token = ((await res.json()) as { access_token: string }).access_token;
  });
  afterAll(async () => {
    await t.close();
    pages.server.closeAllConnections();
    await new Promise((r) => pages.server.close(r));
  });

  const unfurl = async (url: string, auth = true) => {
    const res = await fetch(`${t.url}/api/v1/unfurl?url=${encodeURIComponent(url)}`, {
      headers: auth ? { authorization: `Bearer ${token}` } : {},
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const code = (r: { body: Record<string, unknown> }) => (r.body.error as { code: string }).code;

  it('returns Open Graph metadata with the image resolved against the page', async () => {
    const r = await unfurl(`${base}/page#fragment`);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      url: `${base}/page`,
      title: 'Parley & friends',
      description: 'A chat server',
      image: `${base}/cover.png`,
      site_name: 'Parley',
    });
  });

  it('requires a signed-in caller', async () => {
    const r = await unfurl(`${base}/page`, false);
    expect(r.status).toBe(401);
    expect(code(r)).toBe('unauthenticated');
  });

  it('answers 400 for a missing, malformed or non-http URL', async () => {
    const missing = await fetch(`${t.url}/api/v1/unfurl`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(missing.status).toBe(400);
    for (const bad of [
      'not a url',
      'ftp://127.0.0.1/x',
      'javascript:alert(1)',
      'file:///etc/passwd',
    ]) {
      const r = await unfurl(bad);
      expect(r.status, bad).toBe(400);
      expect(code(r)).toBe('invalid_request');
    }
  });

  it('follows redirects and re-checks every hop', async () => {
    const ok = await unfurl(`${base}/redirect`);
    expect(ok.status).toBe(200);
    expect(ok.body.url).toBe(`${base}/page`);
    const toPrivate = await unfurl(`${base}/redirect-private`);
    expect(toPrivate.status).toBe(422);
    expect(code(toPrivate)).toBe('url_not_allowed');
    const toFtp = await unfurl(`${base}/redirect-ftp`);
    expect(code(toFtp)).toBe('url_not_allowed');
    const loop = await unfurl(`${base}/redirect-loop`);
    expect(loop.status).toBe(422);
    expect(code(loop)).toBe('unfurl_failed');
    expect(pages.hits.get('/redirect-loop')).toBe(6); // the first request and 5 redirects
  });

  it('refuses loopback names and addresses that are not allow-listed', async () => {
    const port = pages.port;
    for (const url of [
      `http://localhost:${port}/page`,
      `http://127.0.0.2:${port}/page`,
      `http://[::1]:${port}/page`,
      `http://[::ffff:127.0.0.1]:${port}/page`,
      `http://0.0.0.0:${port}/page`,
    ]) {
      const r = await unfurl(url);
      expect(r.status, url).toBe(422);
      expect(code(r), url).toBe('url_not_allowed');
    }
  });

  it('reads only HTML, within the byte cap and the deadline', async () => {
    const json = await unfurl(`${base}/json`);
    expect([json.status, code(json)]).toEqual([422, 'unfurl_failed']);
    const missing = await unfurl(`${base}/missing`);
    expect([missing.status, code(missing)]).toEqual([422, 'unfurl_failed']);
    const endless = await unfurl(`${base}/endless`);
    expect(endless.status).toBe(200);
    expect(endless.body.title).toBe('Endless');
    const hang = await unfurl(`${base}/hang`);
    expect([hang.status, code(hang)]).toEqual([422, 'unfurl_failed']);
    const unreachable = await unfurl('http://127.0.0.1:1/');
    expect([unreachable.status, code(unreachable)]).toEqual([422, 'unfurl_failed']);
  });

  it('decodes compressed bodies and declared charsets', async () => {
    expect((await unfurl(`${base}/gzip`)).body.title).toBe('Compressed');
    expect((await unfurl(`${base}/latin1`)).body.title).toBe('Café');
  });

  it('caches results: the page is fetched once', async () => {
    const first = await unfurl(`${base}/counted`);
    const second = await unfurl(`${base}/counted`);
    expect(second.body).toEqual(first.body);
    expect(pages.hits.get('/counted')).toBe(1);
  });
});

describe('link previews without an allow-list', () => {
  // The same domain service the route uses, configured as production is: nothing private passes.
  const service = new UnfurlService({
    allowHosts: [],
    timeoutMs: 1000,
    maxBytes: 65_536,
    maxRedirects: 5,
  });
  const actor = {
    id: '00000000-0000-4000-8000-000000000000',
    username: 'x',
    role: 'member' as const,
  };

  it.each([
    'http://127.0.0.1/',
    'http://localhost/',
    'http://[::1]/',
    'http://10.0.0.1/',
    'http://192.168.1.1/',
    'http://169.254.169.254/latest/meta-data/',
    'http://[::ffff:169.254.169.254]/',
    'http://[fd00::1]/',
    'http://2130706433/',
  ])('refuses %s before connecting', async (url) => {
    const err = await service.unfurl(actor, url).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('url_not_allowed');
    expect((err as AppError).status).toBe(422);
  });
});
