/**
 * Users, rooms and memberships for a scenario, created through Parley's public API with the SDK
 * (so the bench exercises the same paths as any client). Bulk history is the one exception: a
 * 100k-message room is seeded with SQL (see seedHistory), because sending 100k messages would
 * dominate a quick run.
 */
import { randomBytes } from 'node:crypto';
import { ParleyClient } from '@parley/client';
import pg from 'pg';

export interface BenchUser {
  id: string;
  username: string;
  token: string;
  client: ParleyClient;
}

const RUN = randomBytes(3).toString('hex');
let counter = 0;

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function pool<T, R>(
  items: T[],
  limit: number,
  fn: (item: T, i: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i] as T, i);
      }
    }),
  );
  return out;
}

export async function registerUsers(baseUrl: string, n: number): Promise<BenchUser[]> {
  return pool(Array.from({ length: n }), 8, async () => {
    const client = new ParleyClient({ baseUrl });
    const username = `b${RUN}_${counter++}`;
    const result = await client.auth.register({ username, password: 'bench-password-1' });
    return { id: result.user.id, username, token: result.access_token, client };
  });
}

export async function createRooms(
  owner: BenchUser,
  n: number,
  prefix = 'bench',
): Promise<string[]> {
  return pool(Array.from({ length: n }), 8, async (_, i) => {
    const room = await owner.client.rooms.create({
      name: `${prefix}-${RUN}-${counter++}-${i}`,
      visibility: 'public',
    });
    return room.id;
  });
}

/** Every user joins every room in `rooms` (joining a room twice, or one's own, is a no-op). */
export async function joinAll(users: BenchUser[], rooms: string[]): Promise<void> {
  await joinEach(
    users,
    users.map(() => rooms.map((_, i) => i)),
    rooms,
  );
}

/** User i joins the rooms whose indexes `memberOf[i]` lists. */
export async function joinEach(
  users: BenchUser[],
  memberOf: number[][],
  rooms: string[],
): Promise<void> {
  const pairs = users.flatMap((u, i) => (memberOf[i] ?? []).map((r) => [u, rooms[r]!] as const));
  await pool(pairs, 16, async ([u, r]) => {
    await u.client.rooms.join(r);
  });
}

/**
 * Seeds `count` messages into `roomId` in one SQL statement per table, in the same shape the send
 * path writes (message row + its `message.created` event, `rooms.last_seq` bumped), so history
 * reads see an ordinary room. Coupled to the schema on purpose and only used by the bench.
 */
export async function seedHistory(
  databaseUrl: string,
  roomId: string,
  authorId: string,
  count: number,
): Promise<void> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    await db.query('BEGIN');
    const { rows } = await db.query<{ last_seq: number }>(
      'UPDATE rooms SET last_seq = last_seq + $2 WHERE id = $1 RETURNING last_seq::int',
      [roomId, count],
    );
    const base = (rows[0]?.last_seq ?? count) - count;
    await db.query(
      `INSERT INTO messages (room_id, seq, author_id, content, created_at)
       SELECT $1, $3 + g, $2, jsonb_build_object('type', 'text', 'text', 'seeded message ' || g),
              now() - make_interval(secs => $4 - g)
       FROM generate_series(1, $4) AS g`,
      [roomId, authorId, base, count],
    );
    await db.query(
      `INSERT INTO events (room_id, seq, type, payload, created_at)
       SELECT m.room_id, m.seq, 'message.created', jsonb_build_object('id', m.id, 'room_id', m.room_id, 'seq', m.seq, 'content', m.content), m.created_at
       FROM messages m WHERE m.room_id = $1 AND m.seq > $2`,
      [roomId, base],
    );
    await db.query('COMMIT');
    // Settle the bulk insert now, as a long-running database has: otherwise autovacuum wakes up
    // on 200k new rows during the measurement and competes for the cores.
    await db.query('VACUUM (ANALYZE) messages, events');
  } catch (err) {
    await db.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    await db.end();
  }
}
