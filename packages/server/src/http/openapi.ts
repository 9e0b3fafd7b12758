/**
 * OpenAPI 3.1 generated from the route schemas (one TypeBox schema per route is validation,
 * serialisation, documentation and the TS type at once). Served at /api/v1/openapi.json; the
 * interactive docs at /docs.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { App } from './types.js';
import type { Config } from '../config.js';

export async function registerOpenApi(app: App, config: Config): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Parley API',
        version: config.version,
        description:
          'Self-hosted real-time chat. Errors everywhere use `{"error":{"code","message","details?"}}`. ' +
          'Realtime transports (WebSocket, SSE, long-poll) are described in the AsyncAPI document.',
      },
      servers: [{ url: '/' }],
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            description: 'Access token (JWT) or personal API token',
          },
          cookie: { type: 'apiKey', in: 'cookie', name: 'parley_session' },
        },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });
  app.get('/api/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
