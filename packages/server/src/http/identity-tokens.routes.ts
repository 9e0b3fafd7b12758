/** `/api/v1/me/tokens`: personal API tokens for bots and scripts. */
import { ApiTokenList, CreateApiTokenBody, CreatedApiToken } from '@parley/protocol';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { AppContext } from '../context.js';
import { requireActor } from './auth.js';
import { ErrorResponse } from './schemas.js';

const errors = {
  400: ErrorResponse,
  401: ErrorResponse,
  403: ErrorResponse,
  404: ErrorResponse,
  409: ErrorResponse,
};
const security: Record<string, string[]>[] = [{ bearer: [] }, { cookie: [] }];

export const identityTokenRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (
  app,
  { ctx },
) => {
  const tags = ['identity'];

  app.get(
    '/api/v1/me/tokens',
    {
      schema: {
        tags,
        security,
        summary: 'Your personal API tokens (never their text)',
        response: { 200: ApiTokenList, ...errors },
      },
    },
    async (request) => ({ tokens: await ctx.apiTokens.list(requireActor(request)) }),
  );

  app.post(
    '/api/v1/me/tokens',
    {
      schema: {
        tags,
        security,
        summary: 'Create a personal API token; its text is shown only in this response',
        description: 'Needs a login session (not another API token). Guests cannot create tokens.',
        body: CreateApiTokenBody,
        response: { 201: CreatedApiToken, ...errors },
      },
    },
    async (request, reply) => {
      const created = await ctx.apiTokens.create(requireActor(request), request.body);
      return reply.code(201).send(created);
    },
  );

  app.delete(
    '/api/v1/me/tokens/:id',
    {
      schema: {
        tags,
        security,
        summary: 'Revoke one of your tokens (404 for anyone else’s)',
        params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      await ctx.apiTokens.revoke(requireActor(request), request.params.id);
      return reply.code(204).send(null);
    },
  );
};
