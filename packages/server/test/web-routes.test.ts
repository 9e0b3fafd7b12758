/**
 * The server's side of the web app: the built SPA at `/`, hashed assets with a long cache, the
 * index (never cached) as the fallback for client-side routes, and JSON 404s kept for API paths
 * and for requests that do not accept HTML. The CSP allows no inline script.
 */
import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_WEB_ROOT } from '../src/http/web.routes.js';
import { ensureWebBuild } from '../../web/test/helpers/browser.js';
import { startTestApp, type TestApp } from './helpers/test-app.js';

describe('web app serving', () => {
  let t: TestApp;
  beforeAll(async () => {
    ensureWebBuild();
    t = await startTestApp('external');
  });
  afterAll(() => t.close());

  const html = { accept: 'text/html,application/xhtml+xml' };

  it('serves index.html at / without caching, under a CSP with no inline scripts', async () => {
    const res = await fetch(`${t.url}/`, { headers: html });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    const body = await res.text();
    expect(body).toContain('<div id="app">');
    expect(body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/); // every script is a file
  });

  it('serves hashed assets with a year-long immutable cache', async () => {
    const asset = readdirSync(`${DEFAULT_WEB_ROOT}/assets`).find((f) => f.endsWith('.js'));
    const res = await fetch(`${t.url}/assets/${asset}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('javascript');
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  });

  it('falls back to the app for client-side routes that accept HTML', async () => {
    const res = await fetch(`${t.url}/rooms/some-room`, { headers: html });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<div id="app">');
  });

  it('keeps JSON 404s for API paths, missing files and non-HTML clients', async () => {
    for (const [path, headers] of [
      ['/api/v1/nothing-here', html],
      ['/assets/missing-123.js', html],
      ['/some/page', { accept: 'application/json' }],
    ] as const) {
      const res = await fetch(`${t.url}${path}`, { headers });
      expect(res.status, path).toBe(404);
      expect(await res.json()).toMatchObject({ error: { code: 'not_found' } });
    }
  });
});
