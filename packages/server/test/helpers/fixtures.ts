/**
 * Service-level fixtures for rooms and messages: a migrated database on either engine with the
 * chat services built on it (no HTTP), and users inserted with plain SQL the way registration
 * leaves them (a `users` row plus membership of `general`, with its `member.joined` event).
 * `close()` ends the pool and drops the database.
 */
import type { RoomEvent } from '@parley/protocol';
import pino from 'pino';
import { testConfig, type Config } from '../../src/config.js';
import { migrate } from '../../src/db/migrate.js';
import { createPool, withTransaction, type Pool } from '../../src/db/pool.js';
import type { Actor } from '../../src/domain/actor.js';
import { appendEvent } from '../../src/domain/event-log.js';
import { createChatServices, type ChatServices } from '../../src/domain/messages/chat-services.js';
import type { RoomWaiter } from '../../src/domain/rooms/chat-deps.js';
import { createTestDatabase, type Engine } from './databases.js';

export interface ChatFixture {
  pool: Pool;
  chat: ChatServices;
  /** Every event published after commit, in publish order. */
  published: RoomEvent[];
  /** Another node on the same database: its own cache and publisher. */
  node(overrides?: Partial<Config>): ChatServices;
  user(overrides?: {
    username?: string;
    role?: Actor['role'];
    displayName?: string;
  }): Promise<Actor>;
  generalId: string;
  close(): Promise<void>;
}

let counter = 0;

export async function startChat(
  engine: Engine,
  overrides: Partial<Config> = {},
  options: { poolMax?: number; waiter?: RoomWaiter } = {},
): Promise<ChatFixture> {
  const db = await createTestDatabase(engine);
  const pool = createPool(db.url, options.poolMax ?? 10);
  await migrate(pool, pino({ level: 'silent' }));
  const published: RoomEvent[] = [];
  const build = (o: Partial<Config>) =>
    createChatServices({
      pool,
      config: testConfig({ ...overrides, ...o }),
      events: () => ({ publish: (events) => published.push(...events) }),
      waiter: () => options.waiter,
    });
  const chat = build({});
  const generalId = (await chat.rooms.defaultRoomId())!;
  return {
    pool,
    chat,
    published,
    node: build,
    generalId,
    user: (o = {}) => insertUser(pool, generalId, o),
    close: async () => {
      await pool.end();
      await db.drop();
    },
  };
}

async function insertUser(
  pool: Pool,
  generalId: string,
  o: { username?: string; role?: Actor['role']; displayName?: string },
): Promise<Actor> {
  const username = o.username ?? `user${process.pid}x${++counter}`;
  const role = o.role ?? 'member';
  return withTransaction(pool, async (tx) => {
    const { rows } = await tx.query<{ id: string; created_at: Date }>(
      `INSERT INTO users (username, display_name, role) VALUES ($1, $2, $3)
       RETURNING id, created_at`,
      [username, o.displayName ?? username, role],
    );
    const row = rows[0]!;
    await tx.query(`INSERT INTO room_members (room_id, user_id) VALUES ($1, $2)`, [
      generalId,
      row.id,
    ]);
    const user = {
      id: row.id,
      username,
      display_name: o.displayName ?? username,
      role,
      created_at: row.created_at.toISOString(),
    };
    await appendEvent(tx, generalId, 'member.joined', { user, role: 'member' });
    return { id: row.id, username, role };
  });
}

/** Awaits every promise and returns the outcomes: fulfilled values or the rejection reasons. */
export async function settle<T>(promises: Promise<T>[]): Promise<(T | Error)[]> {
  const results = await Promise.allSettled(promises);
  return results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error)));
}

/** The code of an AppError a promise rejects with (or 'resolved'). */
export async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'resolved';
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
}

export const text = (t: string) => ({ type: 'text' as const, text: t });

export interface ApiResponse<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

/**
 * A tiny JSON caller for route tests: `call(user, 'POST', '/api/v1/rooms', body, headers)`.
 * `user` is anything with ready-made `headers` (helpers/users.ts), or null for no credential.
 */
export function caller(baseUrl: string) {
  return async <T = unknown>(
    user: { headers: Record<string, string> } | null,
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<ApiResponse<T>> => {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(user?.headers ?? {}), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const raw = await res.text();
    return {
      status: res.status,
      body: (raw ? JSON.parse(raw) : undefined) as T,
      headers: res.headers,
    };
  };
}
