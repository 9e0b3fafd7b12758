/**
 * Wires identity: the password hasher, access-token signer, attempt limiter and the services
 * built on them. Called once from the composition root (app.ts); the CLI builds only what it needs.
 */
import type { Logger } from 'pino';
import type { Config } from '../../config.js';
import type { Pool } from '../../db/pool.js';
import type { EventPublisher } from '../event-log.js';
import { UserService } from '../users/user.service.js';
import { AccessTokens } from './access-token.js';
import { ApiTokenService } from './api-token.service.js';
import { AuthService } from './auth.service.js';
import { Authenticator } from './authenticator.js';
import { loadJwtSecret } from './jwt-secret.js';
import { PasswordHasher } from './password.js';
import type { Metrics } from '../../observability/metrics.js';
import type { AttemptCounter } from '../../rate-limit/redis-limiters.js';
import { AttemptLimiter } from './attempt-limiter.js';
import { NotificationListener } from '../../db/notification-listener.js';
import { SessionCache } from './session-cache.js';

export interface Identity {
  auth: AuthService;
  users: UserService;
  apiTokens: ApiTokenService;
  /** Stops the session-change feed (the app's onClose). */
  closeIdentity: () => Promise<void>;
}

/** Sessions a node remembers at most (a few hundred bytes each). */
const SESSION_CACHE_MAX = 50_000;

export function createPasswordHasher(config: Config): PasswordHasher {
  return new PasswordHasher({
    memoryKib: config.passwordHashMemoryKib,
    timeCost: config.passwordHashTimeCost,
  });
}

export async function createIdentity(deps: {
  config: Config;
  pool: Pool;
  log: Logger;
  events: EventPublisher;
  /** Login/register/guest attempt limits (per node, or shared through Redis: rate-limit/). */
  attempts?: AttemptCounter;
  metrics?: Metrics;
}): Promise<Identity> {
  const { config, pool, log, events } = deps;
  const secret = await loadJwtSecret(config, log, pool);
  const passwords = createPasswordHasher(config);
  const attempts = deps.attempts ?? new AttemptLimiter(config.rateLimitAuthPerMin);
  const tokens = new AccessTokens(secret, config.accessTokenTtlS);
  // Session checks cached per node, kept exact by PostgreSQL notifications (session-cache.ts).
  const cache = new SessionCache(SESSION_CACHE_MAX, config.sessionCacheS * 1000);
  const feed = cache.enabled
    ? new NotificationListener({
        connection: pool.options,
        channel: 'parley_auth',
        ping: (payload) => pool.query('SELECT pg_notify($1, $2)', ['parley_auth', payload]),
        onMessage: (payload) => cache.invalidate(payload),
        onLive: (live) => cache.setLive(live),
        log,
      })
    : undefined;
  feed?.start();
  const sessionsEnded = () => cache.clear();
  const users = new UserService({ pool, events, passwords, attempts, config, sessionsEnded });
  const authenticator = new Authenticator(pool, tokens, secret, cache);
  const auth = new AuthService({
    pool,
    log,
    config,
    users,
    passwords,
    tokens,
    attempts,
    authenticator,
    sessionsEnded,
  });
  return {
    auth,
    users,
    apiTokens: new ApiTokenService(pool, config),
    closeIdentity: async () => feed?.stop(),
  };
}
