/**
 * `GET /metrics`: this app's registry in the Prometheus text format. Exempt from the API rate
 * limit (app.ts allow-list) so scrapes never turn into 429s. Behind the bundled nginx it is not
 * reachable from outside: Prometheus scrapes each node directly (deploy/).
 */
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Metrics } from './metrics.js';

export const metricsRoutes: FastifyPluginAsyncTypebox<{ metrics: Metrics }> = async (
  app,
  { metrics },
) => {
  app.get(
    '/metrics',
    {
      schema: {
        tags: ['health'],
        summary: 'Prometheus metrics (text exposition format)',
        produces: ['text/plain'],
        response: { 200: Type.String() },
      },
    },
    async (_request, reply) => {
      const body = await metrics.registry.metrics();
      return reply.type(metrics.registry.contentType).send(body);
    },
  );
};
