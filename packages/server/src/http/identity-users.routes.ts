/** `/api/v1/users`: public profiles, for signed-in callers. */
import { User, UserList } from '@parley/protocol';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { AppContext } from '../context.js';
import { requireActor } from './auth.js';
import { ErrorResponse } from './schemas.js';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 404: ErrorResponse };
const security: Record<string, string[]>[] = [{ bearer: [] }, { cookie: [] }];

export const identityUserRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (
  app,
  { ctx },
) => {
  const tags = ['identity'];

  app.get(
    '/api/v1/users',
    {
      schema: {
        tags,
        security,
        summary: 'Find users by username prefix or display-name substring',
        querystring: Type.Object({
          query: Type.Optional(Type.String({ maxLength: 64 })),
          limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
        }),
        response: { 200: UserList, ...errors },
      },
    },
    async (request) => ({
      users: await ctx.users.search(
        requireActor(request),
        request.query.query ?? '',
        request.query.limit,
      ),
    }),
  );

  app.get(
    '/api/v1/users/:id',
    {
      schema: {
        tags,
        security,
        summary: 'A public profile',
        params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
        response: { 200: User, ...errors },
      },
    },
    async (request) => ctx.users.get(requireActor(request), request.params.id),
  );
};
