/**
 * `/api/v1/auth/*` (API.md "Identity"): register, login, guest, refresh, logout. Thin: validate,
 * call `ctx.auth`, encode. Login-type routes set the session cookie when the body asks for it
 * (`"cookie": true`) — browsers; API clients keep to the tokens in the body.
 */
import {
  AuthResult,
  GuestBody,
  LoginBody,
  LogoutBody,
  RefreshBody,
  RegisterBody,
} from '@parley/protocol';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import type { ClientInfo } from '../domain/auth/auth.service.js';
import {
  authenticateRequest,
  clearSessionCookies,
  readCookie,
  SESSION_COOKIE,
  setSessionCookies,
  withRetryAfter,
} from './auth.js';
import { ErrorResponse } from './schemas.js';

const clientInfo = (request: FastifyRequest): ClientInfo => ({
  ip: request.ip,
  userAgent: request.headers['user-agent'],
});

const errors = {
  400: ErrorResponse,
  401: ErrorResponse,
  403: ErrorResponse,
  409: ErrorResponse,
  429: ErrorResponse,
};

export const identityAuthRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (
  app,
  { ctx },
) => {
  const tags = ['identity'];
  const config = { auth: 'skip' as const };

  app.post(
    '/api/v1/auth/register',
    {
      config,
      schema: {
        tags,
        summary: 'Create an account (the first one, or ADMIN_USERNAME, becomes admin)',
        body: RegisterBody,
        response: { 201: AuthResult, ...errors },
      },
    },
    async (request, reply) => {
      const issued = await withRetryAfter(reply, () =>
        ctx.auth.register(request.body, clientInfo(request), { cookie: request.body.cookie }),
      );
      setSessionCookies(ctx, request, reply, issued);
      return reply.code(201).send(issued.body);
    },
  );

  app.post(
    '/api/v1/auth/login',
    {
      config,
      schema: {
        tags,
        summary: 'Log in with username and password',
        body: LoginBody,
        response: { 200: AuthResult, ...errors },
      },
    },
    async (request, reply) => {
      const issued = await withRetryAfter(reply, () =>
        ctx.auth.login(request.body, clientInfo(request), { cookie: request.body.cookie }),
      );
      setSessionCookies(ctx, request, reply, issued);
      return issued.body;
    },
  );

  app.post(
    '/api/v1/auth/guest',
    {
      config,
      schema: {
        tags,
        summary: 'Join as a guest (when ALLOW_GUESTS is on): limited rights, no password',
        body: GuestBody,
        response: { 201: AuthResult, ...errors },
      },
    },
    async (request, reply) => {
      const issued = await withRetryAfter(reply, () =>
        ctx.auth.guest(request.body, clientInfo(request), { cookie: request.body.cookie }),
      );
      setSessionCookies(ctx, request, reply, issued);
      return reply.code(201).send(issued.body);
    },
  );

  app.post(
    '/api/v1/auth/refresh',
    {
      config,
      schema: {
        tags,
        summary: 'Trade a refresh token for a new pair (the old one stops working)',
        description:
          'Presenting an already used refresh token revokes its whole session (theft detection).',
        body: RefreshBody,
        response: { 200: AuthResult, ...errors },
      },
    },
    async (request) =>
      (await ctx.auth.refresh(request.body.refresh_token, clientInfo(request))).body,
  );

  app.post(
    '/api/v1/auth/logout',
    {
      config,
      schema: {
        tags,
        summary: 'End the current session (bearer access token, session cookie or refresh token)',
        body: LogoutBody,
        response: { 204: Type.Null(), ...errors },
      },
      // The body is optional: most clients send none.
      preValidation: async (request) => {
        request.body ??= {};
      },
    },
    async (request, reply) => {
      const header = request.headers.authorization;
      const cookie = readCookie(request.headers, SESSION_COOKIE);
      if (header !== undefined) {
        const bearer = /^Bearer[ ]+([^\s]+)[ ]*$/i.exec(header)?.[1];
        await ctx.auth.logout({ bearer: bearer ?? '' });
      } else if (cookie !== undefined) {
        // The cookie path checks CSRF like every other unsafe cookie request; a cookie whose
        // session already ended just gets cleared.
        clearSessionCookies(reply);
        const actor = await authenticateRequest(ctx, request).catch((err: unknown) => {
          if ((err as { status?: number }).status === 401) return undefined;
          throw err;
        });
        if (actor) await ctx.auth.logout({ cookie });
      } else {
        await ctx.auth.logout({ refresh: request.body.refresh_token });
      }
      return reply.code(204).send(null);
    },
  );
};
