/**
 * The composition root's product: everything a transport adapter needs, wired once in app.ts.
 * Route plugins receive it as an option; nothing reaches for a global.
 */
import type { Logger } from 'pino';
import type { Config } from './config.js';
import type { Pool } from './db/pool.js';
import type { ApiTokenService } from './domain/auth/api-token.service.js';
import type { AuthService } from './domain/auth/auth.service.js';
import type { EventPublisher } from './domain/event-log.js';
import type { UserService } from './domain/users/user.service.js';
import type { Lifecycle } from './lifecycle.js';
import type { Metrics } from './observability/metrics.js';
import type { Realtime } from './realtime/realtime.js';
import type { ChatServices } from './domain/messages/chat-services.js';

export interface AppContext {
  config: Config;
  log: Logger;
  pool: Pool;
  lifecycle: Lifecycle;
  /** Committed room events go here for delivery (realtime hub / broker). */
  events: EventPublisher;
  /** Prometheus metrics of this app (one registry per app); see observability/metrics.ts. */
  metrics: Metrics;
  /** Logins, sessions and credential checks (`authenticateToken` for every transport). */
  auth: AuthService;
  users: UserService;
  apiTokens: ApiTokenService;
  /** Hub (fan-out, catch-up, long-poll waits) and presence; see realtime/realtime.ts. */
  realtime: Realtime;
  /** Rooms, membership, dms, messages, history, receipts, reactions, search (transport-agnostic). */
  chat: ChatServices;
  /** Named readiness checks run by /readyz; each rejects when its dependency does not answer. */
  readinessChecks: Record<string, () => Promise<unknown>>;
}
