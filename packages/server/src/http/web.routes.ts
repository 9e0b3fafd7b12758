/**
 * Serves the web app (packages/web/dist, built by `npm run build`) at `/`:
 * - hashed assets under /assets/ with a year-long immutable cache; other files for an hour;
 * - `index.html` for `/` and, as the single-page app's fallback, for any other GET that accepts
 *   HTML and is not an API path; it is never cached, so a deploy takes effect on the next load.
 * Unknown API paths, and requests that do not accept HTML, keep their JSON 404.
 * Without a build the server runs API-only (and says so in the log).
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';

/** The built app, relative to this file in both src/http and dist/http. */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../../web/dist/', import.meta.url));

const NOT_SPA = /^\/(api|docs|metrics|health|livez|readyz)(\/|$)/;

export const webRoutes: FastifyPluginAsync<{ root?: string }> = async (app, opts) => {
  const root = opts.root ?? DEFAULT_WEB_ROOT;
  const indexPath = `${root}/index.html`;
  if (!existsSync(indexPath)) {
    app.log.warn({ root }, 'web app not built (npm run build): serving the API only');
    return;
  }
  const index = readFileSync(indexPath);

  await app.register(fastifyStatic, {
    root,
    prefix: '/',
    wildcard: false, // one route per built file; everything else falls to the SPA handler
    index: false,
    cacheControl: false,
    decorateReply: false,
    setHeaders: (reply, path) => {
      const immutable = /[/\\]assets[/\\]/.test(path);
      void reply.header(
        'cache-control',
        immutable ? 'public, max-age=31536000, immutable' : 'public, max-age=3600',
      );
    },
  });

  const sendIndex = (reply: FastifyReply) =>
    reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(index);

  app.get('/', { schema: { hide: true } }, async (_request, reply) => sendIndex(reply));
  app.get('/*', { schema: { hide: true } }, async (request: FastifyRequest, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    const wantsHtml = (request.headers.accept ?? '').includes('text/html');
    if (NOT_SPA.test(path) || !wantsHtml || /\.[a-z0-9]+$/i.test(path)) return reply.callNotFound();
    return sendIndex(reply);
  });
};
