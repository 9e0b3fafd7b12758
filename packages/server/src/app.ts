/**
 * `buildApp(config, deps)` assembles a Fastify instance without listening: tests start it on a
 * free port, main.ts on the configured one. Plugins load in order: infrastructure (validation,
 * errors, security headers, rate limit, OpenAPI) → services → routes.
 */
import { randomUUID } from 'node:crypto';
import helmet from 'helmet';
import rateLimit from '@fastify/rate-limit';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyBaseLogger } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import type { AppContext } from './context.js';
import type { Pool } from './db/pool.js';
import type { EventPublisher } from './domain/event-log.js';
import { AppError } from './errors.js';
import {
  clientErrorHandler,
  registerErrorHandling,
  sendError,
  toAppError,
} from './http/error-handler.js';
import { createIdentity } from './domain/auth/index.js';
import { registerAuth } from './http/auth.js';
import { healthRoutes } from './http/health.routes.js';
import { identityAuthRoutes } from './http/identity-auth.routes.js';
import { identityMeRoutes } from './http/identity-me.routes.js';
import { identityTokenRoutes } from './http/identity-tokens.routes.js';
import { identityUserRoutes } from './http/identity-users.routes.js';
import type { App } from './http/types.js';
import { registerOpenApi } from './http/openapi.js';
import { unfurlRoutes } from './http/unfurl.routes.js';
import { webRoutes } from './http/web.routes.js';
import { validatorCompiler } from './http/validation.js';
import { wsRoutes } from './http/ws.routes.js';
import { streamRoutes } from './http/stream.routes.js';
import { asyncApiRoutes } from './http/asyncapi.js';
import { Lifecycle } from './lifecycle.js';
import { createRealtime } from './realtime/realtime.js';
import { createLimits } from './rate-limit/shared-limits.js';
import { createEventRetention } from './domain/event-retention.js';
import { createChatServices } from './domain/messages/chat-services.js';
import { keepRoomViews } from './domain/rooms/room-access.js';
import { forgetOnPublish, RoomViewCache } from './domain/rooms/room-view-cache.js';
import { messageRoutes } from './http/messages.routes.js';
import { roomRoutes } from './http/rooms.routes.js';
import { searchRoutes } from './http/search.routes.js';
import { registerHttpInstrumentation } from './observability/http-instrumentation.js';
import { createMetrics, type Metrics } from './observability/metrics.js';
import { metricsRoutes } from './observability/metrics.routes.js';
import { instrumentPool } from './observability/pool-metrics.js';

export interface AppDeps {
  pool: Pool;
  log: Logger;
  lifecycle?: Lifecycle;
  events?: EventPublisher;
  /** Created here when absent; pass one in when parts built before the app must record. */
  metrics?: Metrics;
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;

export async function buildApp(config: Config, deps: AppDeps): Promise<App> {
  const logger: FastifyBaseLogger = deps.log;
  const app = Fastify({
    loggerInstance: logger,
    bodyLimit: config.bodyLimitBytes,
    trustProxy: config.trustProxy,
    // Echo a well-formed client X-Request-Id; otherwise make one.
    requestIdHeader: false,
    logController: new LogController({ requestIdLogLabel: 'request_id' }),
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    // Draining is handled by Lifecycle: in-flight and keep-alive requests still get real answers.
    return503OnClosing: false,
    clientErrorHandler,
    frameworkErrors: (err, _request, reply) => {
      void sendError(reply, toAppError(err));
    },
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
  }).withTypeProvider<TypeBoxTypeProvider>();

  const lifecycle = deps.lifecycle ?? new Lifecycle();
  const metrics = deps.metrics ?? createMetrics(deps.pool);
  instrumentPool(deps.pool, metrics);
  // The realtime hub delivers committed events (docs/REALTIME.md); tests may pass their own.
  const realtime = createRealtime(config, deps.pool, deps.log, metrics);
  // One node is its database's only writer: access checks answer from memory, and every write
  // forgets what it changed before it is answered (domain/rooms/room-view-cache.ts).
  const roomViews =
    !config.redisUrl && config.roomViewCacheS > 0
      ? new RoomViewCache({
          ttlMs: config.roomViewCacheS * 1000,
          observe: (result) => metrics.roomViewReads.inc({ result }),
        })
      : undefined;
  if (roomViews) keepRoomViews(deps.pool, roomViews);
  const hubEvents = deps.events ?? realtime.hub;
  const events = roomViews ? forgetOnPublish(roomViews, hubEvents) : hubEvents;
  // Per node, or shared by the cluster through Redis when REDIS_URL is set (rate-limit/).
  const limits = createLimits(config, deps.log, metrics);
  const identity = await createIdentity({
    config,
    pool: deps.pool,
    log: deps.log,
    events,
    attempts: limits.attempts,
    metrics,
    onRename: () => roomViews?.forgetAll(),
  });
  const ctx: AppContext = {
    config,
    log: deps.log,
    pool: deps.pool,
    lifecycle,
    events,
    ...identity,
    metrics,
    realtime,
    chat: createChatServices({
      pool: deps.pool,
      config,
      events: () => events,
      // Long-poll (`wait=`) wakes on the room's next event, on any node (realtime/long-poll.ts).
      waiter: () => realtime.hub,
      signalRead: (room_id, user_id, seq) => {
        roomViews?.forgetRoom(room_id);
        realtime.hub.signal({ type: 'read', room_id, user_id, seq });
      },
      limiter: limits.sends,
      onHistoryBlock: (result) => metrics.historyBlockReads.inc({ result }),
    }),
    readinessChecks: {
      database: () => deps.pool.query('SELECT 1'),
      ...(realtime.brokerCheck ? { broker: realtime.brokerCheck } : {}),
    },
  };
  metrics.sources.historyBlockBytes = () => ctx.chat.historyBlocks.bytes;
  // Started before any route accepts a connection. Stopped on close after the transports have
  // closed their sockets (lifecycle drain, then their own onClose hooks).
  await realtime.start();
  app.addHook('onClose', async () => realtime.stop());
  app.addHook('onClose', async () => limits.close());
  app.addHook('onClose', async () => identity.closeIdentity());
  const retention = createEventRetention(deps.pool, deps.log, {
    retentionDays: config.eventRetentionDays,
  });
  retention.start();
  app.addHook('onClose', async () => retention.stop());

  app.setValidatorCompiler(validatorCompiler);
  registerErrorHandling(app);
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  registerHttpInstrumentation(app, metrics);

  // An empty body with a JSON content type is "no body" (many clients send the header anyway);
  // everything else goes through Fastify's prototype-poisoning-safe parser.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, undefined);
    void parseJson(request, text, done);
  });

  // helmet's headers, computed ONCE (they are static: no CSP nonces) and set on every reply.
  // @fastify/helmet rebuilt the middleware — re-parsing the CSP — on every request (~7% of the
  // server's CPU on the send path), and even a prebuilt middleware costs a validated
  // `setHeader` per header (~8% of a trivial request).
  const securityHeaders = staticHeaders(
    helmet({
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          imgSrc: ["'self'", 'data:', 'https:', 'http:'],
          styleSrc: ["'self'", "'unsafe-inline'"],
          connectSrc: ["'self'", 'ws:', 'wss:'],
          // Parley is often run on plain http inside a network; TLS is the proxy's decision.
          upgradeInsecureRequests: null,
        },
      },
      crossOriginEmbedderPolicy: false,
    }),
  );
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(securityHeaders);
    done();
  });
  await app.register(rateLimit, {
    global: true,
    max: config.rateLimitApiPerMin,
    timeWindow: '1 minute',
    // Shared by the cluster when Redis is configured; a Redis outage must not take the API down.
    ...(limits.redis
      ? { redis: limits.redis, nameSpace: `${config.redisPrefix}api-limit:`, skipOnError: true }
      : {}),
    allowList: (request) => ['/health', '/livez', '/readyz', '/metrics'].includes(request.url),
    onExceeded: () => metrics.rateLimitRejections.inc({ scope: 'api' }),
    errorResponseBuilder: (_request, context) =>
      new AppError(
        'rate_limited',
        `too many requests; retry in ${Math.ceil(context.ttl / 1000)} s`,
      ),
  });
  await registerOpenApi(app, config);
  await registerAuth(app, ctx);

  await app.register(healthRoutes, { ctx });
  await app.register(unfurlRoutes, { ctx });
  await app.register(identityAuthRoutes, { ctx });
  await app.register(identityMeRoutes, { ctx });
  await app.register(identityTokenRoutes, { ctx });
  await app.register(identityUserRoutes, { ctx });
  await app.register(roomRoutes, { ctx });
  await app.register(messageRoutes, { ctx });
  await app.register(wsRoutes, { ctx });
  await app.register(streamRoutes, { ctx });
  await app.register(asyncApiRoutes, { config });
  await app.register(searchRoutes, { ctx });
  await app.register(metricsRoutes, { metrics });
  // Last: the web app's SPA fallback only answers GETs no route above claimed.
  await app.register(webRoutes);

  return app;
}

/** The headers a (synchronous, request-independent) middleware such as helmet's sets. */
function staticHeaders(
  middleware: (req: never, res: never, next: (err?: unknown) => void) => void,
): Record<string, string> {
  const headers: Record<string, string> = {};
  const res = {
    setHeader: (name: string, value: string | number | readonly string[]) => {
      headers[name.toLowerCase()] = String(value);
    },
    removeHeader: (name: string) => {
      delete headers[name.toLowerCase()];
    },
  };
  let failed: unknown;
  middleware({} as never, res as never, (err) => (failed = err));
  if (failed instanceof Error) throw failed;
  if (failed !== undefined) throw new Error('the security-header middleware failed');
  return headers;
}
