/** `/api/v1/me` and the caller's login sessions. */
import { SessionList, UpdateMeBody, User } from '@parley/protocol';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { AppContext } from '../context.js';
import { requireActor, withRetryAfter } from './auth.js';
import { ErrorResponse } from './schemas.js';

const errors = {
  400: ErrorResponse,
  401: ErrorResponse,
  403: ErrorResponse,
  404: ErrorResponse,
  429: ErrorResponse,
};
const security: Record<string, string[]>[] = [{ bearer: [] }, { cookie: [] }];

export const identityMeRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (
  app,
  { ctx },
) => {
  const tags = ['identity'];

  app.get(
    '/api/v1/me',
    { schema: { tags, security, summary: 'The caller', response: { 200: User, ...errors } } },
    async (request) => {
      const actor = requireActor(request);
      return ctx.users.get(actor, actor.id);
    },
  );

  app.patch(
    '/api/v1/me',
    {
      schema: {
        tags,
        security,
        summary: 'Change display name and/or password',
        description:
          'A password change needs `current_password` and a login session (not an API token), and ends every other session.',
        body: UpdateMeBody,
        response: { 200: User, ...errors },
      },
    },
    async (request, reply) => {
      const actor = requireActor(request);
      return withRetryAfter(reply, () => ctx.users.updateMe(actor, request.body));
    },
  );

  app.get(
    '/api/v1/me/sessions',
    {
      schema: {
        tags,
        security,
        summary: "The caller's active login sessions (user agent, last use)",
        response: { 200: SessionList, ...errors },
      },
    },
    async (request) => ({ sessions: await ctx.auth.listSessions(requireActor(request)) }),
  );

  app.delete(
    '/api/v1/me/sessions/:id',
    {
      schema: {
        tags,
        security,
        summary: 'End one of your sessions (e.g. a lost device)',
        params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      await ctx.auth.revokeSession(requireActor(request), request.params.id);
      return reply.code(204).send(null);
    },
  );
};
