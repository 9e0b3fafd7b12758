/** `GET /api/v1/unfurl?url=`: a link preview, for signed-in callers (see domain/unfurl). */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { LinkPreview } from '@parley/protocol';
import { Type } from '@sinclair/typebox';
import type { AppContext } from '../context.js';
import { UnfurlService } from '../domain/unfurl/unfurl.service.js';
import { requireActor } from './auth.js';
import { ErrorResponse } from './schemas.js';

export const unfurlRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (
  app,
  { ctx },
) => {
  // One service (and so one cache) per app instance.
  const service = new UnfurlService({
    allowHosts: ctx.config.unfurlAllowPrivate,
    timeoutMs: ctx.config.unfurlTimeoutMs,
    maxBytes: ctx.config.unfurlMaxBytes,
    maxRedirects: 5,
  });

  app.get(
    '/api/v1/unfurl',
    {
      schema: {
        tags: ['messages'],
        security: [{ bearer: [] }, { cookie: [] }],
        summary: 'Link preview of a web page (Open Graph, Twitter card, <title>)',
        description:
          'Fetched server-side: http/https only, private/loopback/link-local targets refused ' +
          '(422 url_not_allowed), 3 s deadline, 512 KiB cap, at most 5 redirects each re-checked; ' +
          'unreachable or non-HTML pages are 422 unfurl_failed. Results are cached.',
        querystring: Type.Object({ url: Type.String({ minLength: 1, maxLength: 2048 }) }),
        response: {
          200: LinkPreview,
          400: ErrorResponse,
          401: ErrorResponse,
          422: ErrorResponse,
        },
      },
    },
    async (request, reply) => {
      const preview = await service.unfurl(requireActor(request), request.query.url);
      // Clients may keep it for a while too; it is the same for every caller.
      void reply.header('cache-control', 'private, max-age=600');
      return preview;
    },
  );
};
