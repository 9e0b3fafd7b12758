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
import { CredentialCache, type Forget } from './credential-cache.js';
import type { SessionPrincipal } from './session.repository.js';
import type { ApiTokenPrincipal } from './api-token.repository.js';

export interface Identity {
  auth: AuthService;
  users: UserService;
  apiTokens: ApiTokenService;
  /** Stops the session-change feed (the app's onClose). */
  closeIdentity: () => Promise<void>;
}

/** Sessions, and API tokens, a node remembers at most (a few hundred bytes each). */
const CACHE_MAX = 50_000;

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
  /** Told of each credential this node forgets, after its caches (what a revocation names). */
  onForget?: Forget;
  /** Told after a user's rename commits, before it is answered (names shown in history). */
  onRename?: (userId: string) => void;
}): Promise<Identity> {
  const { config, pool, log, events } = deps;
  const secret = await loadJwtSecret(config, log, pool);
  const passwords = createPasswordHasher(config);
  const attempts = deps.attempts ?? new AttemptLimiter(config.rateLimitAuthPerMin);
  const tokens = new AccessTokens(secret, config.accessTokenTtlS);
  // Credential checks cached per node, kept exact by PostgreSQL notifications
  // (credential-cache.ts): one feed for both kinds.
  const maxAgeMs = config.sessionCacheS * 1000;
  const caches = {
    sessions: new CredentialCache<SessionPrincipal>(CACHE_MAX, maxAgeMs, 's', (_, key) => key),
    tokens: new CredentialCache<ApiTokenPrincipal>(CACHE_MAX, maxAgeMs, 't', (p) => p.token_id),
  };
  // One path for every invalidation: a notification from any node, or this node's own revocation.
  const forget: Forget = (payload) => {
    caches.sessions.invalidate(payload);
    caches.tokens.invalidate(payload);
    deps.onForget?.(payload);
  };
  const feed =
    maxAgeMs > 0
      ? new NotificationListener({
          connection: pool.options,
          channel: 'parley_auth',
          ping: (payload) => pool.query('SELECT pg_notify($1, $2)', ['parley_auth', payload]),
          onMessage: forget,
          onLive: (live) => {
            caches.sessions.setLive(live);
            caches.tokens.setLive(live);
          },
          log,
        })
      : undefined;
  feed?.start();
  const users = new UserService({
    pool,
    events,
    passwords,
    attempts,
    config,
    forget,
    onRename: deps.onRename,
  });
  const authenticator = new Authenticator(pool, tokens, secret, caches);
  const auth = new AuthService({
    pool,
    log,
    config,
    users,
    passwords,
    tokens,
    attempts,
    authenticator,
    forget,
  });
  return {
    auth,
    users,
    apiTokens: new ApiTokenService(pool, config, forget),
    closeIdentity: async () => feed?.stop(),
  };
}
