import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppContext } from '../context.js';
import { ErrorResponse } from './schemas.js';

const Ok = Type.Object({ status: Type.Literal('ok') });

export const healthRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (
  app,
  { ctx },
) => {
  const tags = ['health'];

  app.get(
    '/api/v1/healthcheck',
    {
      schema: {
        tags,
        summary: 'Service status and version',
        response: {
          200: Type.Object({
            status: Type.Literal('ok'),
            version: Type.String(),
            uptime_s: Type.Number(),
          }),
        },
      },
    },
    async () => ({
      status: 'ok' as const,
      version: ctx.config.version,
      uptime_s: Math.round((Date.now() - ctx.lifecycle.startedAt) / 1000),
    }),
  );

  app.get(
    '/health',
    { schema: { tags, summary: 'Liveness (legacy path)', response: { 200: Ok } } },
    async () => ({
      status: 'ok' as const,
    }),
  );

  app.get(
    '/livez',
    { schema: { tags, summary: 'Liveness: 200 while the process serves', response: { 200: Ok } } },
    async () => ({
      status: 'ok' as const,
    }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        tags,
        summary: 'Readiness: storage (and broker) answer and the node is not draining',
        response: {
          200: Type.Object({
            status: Type.Literal('ok'),
            checks: Type.Record(Type.String(), Type.String()),
          }),
          503: ErrorResponse,
        },
      },
    },
    async (_request, reply) => {
      if (ctx.lifecycle.draining) {
        return reply
          .code(503)
          .send({ error: { code: 'unavailable', message: 'draining for shutdown' } });
      }
      const checks: Record<string, string> = {};
      let ok = true;
      for (const [name, check] of Object.entries(ctx.readinessChecks)) {
        try {
          await withTimeout(check(), 2000);
          checks[name] = 'ok';
        } catch (err) {
          ok = false;
          checks[name] = (err as Error).message || 'failed';
        }
      }
      if (!ok) {
        return reply
          .code(503)
          .send({ error: { code: 'unavailable', message: 'not ready', details: checks } });
      }
      return { status: 'ok' as const, checks };
    },
  );
};

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
