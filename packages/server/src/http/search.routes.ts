/** `GET /api/v1/search`: full-text search over the messages the caller may read. */
import { SearchResult } from '@parley/protocol';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { AppContext } from '../context.js';
import { MAX_QUERY_LENGTH, MAX_SEARCH_LIMIT } from '../domain/messages/search.service.js';
import { requireActor } from './auth.js';
import { chatErrors as errors, security } from './chat.schemas.js';

export const searchRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (
  app,
  { ctx },
) => {
  app.get(
    '/api/v1/search',
    {
      schema: {
        tags: ['messages'],
        security,
        summary: 'Search messages in your rooms (or one room you can see), best match first',
        description:
          'Words match as prefixes, in any language that separates words with spaces. ' +
          '`highlight` is HTML-escaped text with the matches in <mark>…</mark>.',
        querystring: Type.Object({
          q: Type.String({ minLength: 1, maxLength: MAX_QUERY_LENGTH }),
          room_id: Type.Optional(Type.String({ maxLength: 64 })),
          limit: Type.Integer({ minimum: 1, maximum: MAX_SEARCH_LIMIT, default: 20 }),
        }),
        response: { 200: Type.Object({ results: Type.Array(SearchResult) }), ...errors },
      },
    },
    async (request) => ({
      results: await ctx.chat.search.search(requireActor(request), {
        q: request.query.q,
        roomId: request.query.room_id,
        limit: request.query.limit,
      }),
    }),
  );
};
