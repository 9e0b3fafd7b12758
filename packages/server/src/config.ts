/**
 * Configuration is one typed object parsed once at boot from the environment (and `.env`).
 * Nothing below this module reads `process.env`. Each variable is declared once in `SPEC`, which
 * drives parsing, the error messages, and the `.env.example` check in the tests.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';

type Parser<T> = (raw: string) => T;

interface VarSpec<T> {
  env: string;
  default: T;
  parse: Parser<T>;
  doc: string;
}

class ConfigError extends Error {
  override name = 'ConfigError';
}

const int =
  (min: number, max: number): Parser<number> =>
  (raw) => {
    if (!/^-?\d+$/.test(raw.trim())) throw new ConfigError(`must be an integer, got "${raw}"`);
    const n = Number(raw);
    if (n < min || n > max) throw new ConfigError(`must be between ${min} and ${max}, got ${n}`);
    return n;
  };

const bool: Parser<boolean> = (raw) => {
  const v = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  throw new ConfigError(`must be true or false, got "${raw}"`);
};

const str: Parser<string> = (raw) => raw;

const optionalUrl =
  (protocols: string[]): Parser<string | undefined> =>
  (raw) => {
    if (raw.trim() === '') return undefined;
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new ConfigError('must be a URL');
    }
    if (!protocols.includes(url.protocol)) {
      throw new ConfigError(`must use one of ${protocols.join(', ')}, got ${url.protocol}`);
    }
    return raw;
  };

const oneOf =
  <T extends string>(...values: T[]): Parser<T> =>
  (raw) => {
    if (!(values as string[]).includes(raw)) {
      throw new ConfigError(`must be one of ${values.join(', ')}, got "${raw}"`);
    }
    return raw as T;
  };

const list: Parser<string[]> = (raw) =>
  raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const v = <T>(env: string, def: T, parse: Parser<T>, doc: string): VarSpec<T> => ({
  env,
  default: def,
  parse,
  doc,
});

export const SPEC = {
  port: v('PORT', 8080, int(0, 65535), 'TCP port to listen on (0 picks a free port)'),
  host: v('HOST', '0.0.0.0', str, 'Interface to bind'),
  databaseUrl: v(
    'DATABASE_URL',
    undefined as string | undefined,
    optionalUrl(['postgres:', 'postgresql:']),
    'External PostgreSQL; unset starts an embedded PostgreSQL in DATA_DIR',
  ),
  dataDir: v('DATA_DIR', './data', str, 'Where the embedded database and generated secrets live'),
  dbPoolMax: v('DB_POOL_MAX', 20, int(1, 1000), 'Maximum connections in the database pool'),
  redisUrl: v(
    'REDIS_URL',
    undefined as string | undefined,
    optionalUrl(['redis:', 'rediss:']),
    'Redis for scale-out; unset uses the in-process broker',
  ),
  jwtSecret: v(
    'JWT_SECRET',
    undefined as string | undefined,
    (raw) => {
      if (raw === '') return undefined;
      if (raw.length < 32) throw new ConfigError('must be at least 32 characters');
      return raw;
    },
    'HMAC secret for access tokens; unset generates one and keeps it in DATA_DIR',
  ),
  accessTokenTtlS: v('ACCESS_TOKEN_TTL_S', 900, int(10, 86_400), 'Access token lifetime, seconds'),
  refreshTokenTtlDays: v('REFRESH_TOKEN_TTL_DAYS', 30, int(1, 365), 'Refresh token lifetime, days'),
  sessionCacheS: v(
    'SESSION_CACHE_S',
    60,
    int(0, 3600),
    'How long a node reuses a session or API-token check (revocations reach every node at once through PostgreSQL notifications; 0: ask the database on every request)',
  ),
  allowGuests: v('ALLOW_GUESTS', true, bool, 'Allow POST /api/v1/auth/guest'),
  adminUsername: v(
    'ADMIN_USERNAME',
    undefined as string | undefined,
    (raw) => (raw === '' ? undefined : raw.toLowerCase()),
    'This username becomes admin when registered (the first user always does)',
  ),
  logLevel: v(
    'LOG_LEVEL',
    'info',
    oneOf(...LOG_LEVELS),
    'fatal|error|warn|info|debug|trace|silent',
  ),
  logPretty: v(
    'LOG_PRETTY',
    undefined as boolean | undefined,
    bool,
    'Pretty logs; default: on when stdout is a TTY',
  ),
  corsOrigins: v('CORS_ORIGINS', [] as string[], list, 'Comma-separated origins allowed by CORS'),
  trustProxy: v('TRUST_PROXY', false, bool, 'Trust X-Forwarded-* from a reverse proxy'),
  bodyLimitBytes: v('BODY_LIMIT_BYTES', 65_536, int(1024, 10_485_760), 'Request body limit'),
  ssePingS: v('SSE_PING_S', 30, int(1, 3600), 'Seconds between SSE ping events'),
  redisPrefix: v(
    'REDIS_PREFIX',
    'parley:',
    str,
    'Prefix of every Redis key and pub/sub channel (several deployments can share one Redis)',
  ),
  eventRetentionDays: v(
    'EVENT_RETENTION_DAYS',
    30,
    int(0, 36_500),
    'How long room events are kept for resume; older ones are pruned (0 keeps them forever)',
  ),
  realtimeReconcileMs: v(
    'REALTIME_RECONCILE_MS',
    1000,
    int(50, 60_000),
    'How often each node compares delivered seqs with the database (bounds delivery after a lost publish)',
  ),
  realtimeQueueBytes: v(
    'REALTIME_QUEUE_BYTES',
    1_048_576,
    int(1024, 1_073_741_824),
    'Outbound queue per realtime connection; past it the client gets resync',
  ),
  wsPingS: v(
    'WS_PING_S',
    30,
    int(1, 3600),
    'Seconds between WebSocket pings (dead peers are cut after two)',
  ),
  wsResumeGraceMs: v(
    'WS_RESUME_GRACE_MS',
    100,
    int(0, 10_000),
    'How long a new WebSocket holds live events for a `resume` frame (ended early by its first frames)',
  ),
  wsFramesPerS: v(
    'WS_FRAMES_PER_S',
    20,
    int(1, 1_000_000),
    'Client frames per second per WebSocket (sustained); excess frames get a rate_limited error',
  ),
  wsFrameBurst: v('WS_FRAME_BURST', 60, int(1, 1_000_000), 'Client frames per WebSocket at once'),
  realtimeAuthCheckS: v(
    'REALTIME_AUTH_CHECK_S',
    60,
    int(1, 86_400),
    'How often open WebSocket/SSE connections re-check their credential (revoked or expired → closed)',
  ),
  presenceTtlS: v(
    'PRESENCE_TTL_S',
    60,
    int(2, 3600),
    'Presence entry lifetime without a heartbeat',
  ),
  shutdownTimeoutMs: v(
    'SHUTDOWN_TIMEOUT_MS',
    10_000,
    int(0, 600_000),
    'How long in-flight requests may take to finish on SIGTERM',
  ),
  rateLimitAuthPerMin: v(
    'RATE_LIMIT_AUTH_PER_MIN',
    10,
    int(1, 1_000_000),
    'Login/register/guest attempts per IP and per username per minute',
  ),
  passwordHashMemoryKib: v(
    'PASSWORD_HASH_MEMORY_KIB',
    19_456,
    int(1024, 4_194_304),
    'argon2id memory cost per password hash, KiB (OWASP: 19456 with time cost 2)',
  ),
  passwordHashTimeCost: v(
    'PASSWORD_HASH_TIME_COST',
    2,
    int(1, 20),
    'argon2id passes per password hash',
  ),
  apiTokensMaxPerUser: v(
    'API_TOKENS_MAX_PER_USER',
    100,
    int(1, 100_000),
    'Active personal API tokens one user may hold',
  ),
  cookieSecure: v(
    'COOKIE_SECURE',
    'auto',
    oneOf('auto', 'true', 'false'),
    'Secure flag on session cookies; auto = when the request came over TLS (see TRUST_PROXY)',
  ),
  rateLimitApiPerMin: v(
    'RATE_LIMIT_API_PER_MIN',
    1200,
    int(1, 10_000_000),
    'Requests per client per minute across the API',
  ),
  rateLimitSendPerS: v(
    'RATE_LIMIT_SEND_PER_S',
    10,
    int(1, 1_000_000),
    'Messages per user per second',
  ),
  rateLimitSendBurst: v('RATE_LIMIT_SEND_BURST', 20, int(1, 1_000_000), 'Send burst per user'),
  historyCacheRooms: v(
    'HISTORY_CACHE_ROOMS',
    1000,
    int(0, 1_000_000),
    'Rooms whose newest messages are kept in memory for history reads (0 disables)',
  ),
  historyCacheMessages: v(
    'HISTORY_CACHE_MESSAGES',
    200,
    int(1, 10_000),
    'Newest messages kept per cached room',
  ),
  roomViewCacheS: v(
    'ROOM_VIEW_CACHE_S',
    10,
    int(0, 3600),
    'Single node (no REDIS_URL): seconds a room-access check is kept in memory at most; every write through the node forgets what it changes (0 disables)',
  ),
  historyBlockCacheMb: v(
    'HISTORY_BLOCK_CACHE_MB',
    64,
    int(0, 65_536),
    'Older-history cache: MiB of older pages kept ready per node (0 disables)',
  ),
  unfurlAllowPrivate: v(
    'UNFURL_ALLOW_HOSTS',
    [] as string[],
    list,
    'Hosts link previews may fetch even when private (tests only)',
  ),
  unfurlTimeoutMs: v(
    'UNFURL_TIMEOUT_MS',
    3000,
    int(100, 60_000),
    'Deadline for fetching a link preview (DNS, redirects and body), ms',
  ),
  unfurlMaxBytes: v(
    'UNFURL_MAX_BYTES',
    524_288,
    int(1024, 10_485_760),
    'Link previews read at most this many bytes of a page',
  ),
  otelEndpoint: v(
    'OTEL_EXPORTER_OTLP_ENDPOINT',
    undefined as string | undefined,
    optionalUrl(['http:', 'https:']),
    'OTLP endpoint; tracing is off when unset',
  ),
} satisfies Record<string, VarSpec<unknown>>;

type Spec = typeof SPEC;
export type Config = { -readonly [K in keyof Spec]: Spec[K]['default'] } & { version: string };

export { ConfigError };

/** Parse the environment into a Config, naming every bad variable at once. */
export function loadConfig(env: Record<string, string | undefined>, version = '0.0.0'): Config {
  const out: Record<string, unknown> = { version };
  const problems: string[] = [];
  for (const [key, spec] of Object.entries(SPEC) as [string, VarSpec<unknown>][]) {
    const raw = env[spec.env];
    if (raw === undefined) {
      out[key] = spec.default;
      continue;
    }
    try {
      out[key] = spec.parse(raw);
    } catch (err) {
      problems.push(`${spec.env} ${(err as Error).message}`);
    }
  }
  if (problems.length > 0) {
    throw new ConfigError(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
  const config = out as Config;
  config.dataDir = path.resolve(config.dataDir);
  return config;
}

/** Defaults plus overrides: what tests use to build an app without touching the environment. */
export function testConfig(overrides: Partial<Config> = {}): Config {
  return {
    ...loadConfig({}),
    logLevel: 'silent',
    port: 0,
    host: '127.0.0.1',
    // Tests never write a generated secret into ./data, and register many users from one IP:
    // tests of the auth limits lower this again explicitly.
    jwtSecret: randomBytes(32).toString('base64url'),
    rateLimitAuthPerMin: 1_000_000,
    ...overrides,
  };
}
