import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../src/db/migrate.js';
import { MIGRATIONS } from '../src/db/migrations/index.js';
import { createPool, type Pool } from '../src/db/pool.js';
import { createTestDatabase, ENGINES, type TestDatabase } from './helpers/databases.js';

const log = pino({ level: 'silent' });

describe.each(ENGINES)('migrations on %s PostgreSQL', (engine) => {
  let db: TestDatabase;
  const pools: Pool[] = [];
  const pool = () => {
    const p = createPool(db.url, 4);
    pools.push(p);
    return p;
  };

  beforeAll(async () => {
    db = await createTestDatabase(engine);
  });
  afterAll(async () => {
    await Promise.all(pools.map((p) => p.end()));
    await db.drop();
  });

  it('applies every migration once, even when two nodes start at the same time', async () => {
    const [a, b] = await Promise.all([migrate(pool(), log), migrate(pool(), log)]);
    const all = MIGRATIONS.map((m) => m.version);
    expect([...(a ?? []), ...(b ?? [])].sort((x, y) => x - y)).toEqual(all);
    const { rows } = await pool().query<{ version: number }>(
      'SELECT version FROM schema_migrations ORDER BY version',
    );
    expect(rows.map((r) => r.version)).toEqual(all);
  });

  it('is a no-op when up to date', async () => {
    expect(await migrate(pool(), log)).toEqual([]);
  });

  it('creates the schema API.md needs, with the general room', async () => {
    const p = pool();
    const { rows } = await p.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'",
    );
    const tables = rows.map((r) => r.table_name);
    for (const t of [
      'users',
      'sessions',
      'api_tokens',
      'rooms',
      'room_members',
      'messages',
      'events',
      'reactions',
    ]) {
      expect(tables).toContain(t);
    }
    const general = await p.query(
      "SELECT kind, visibility, last_seq FROM rooms WHERE name = 'general'",
    );
    expect(general.rows).toEqual([{ kind: 'channel', visibility: 'public', last_seq: 0 }]);
  });

  it('enforces one message per (room, seq) and per (author, idempotency key)', async () => {
    const p = pool();
    const user = await p.query<{ id: string }>(
      "INSERT INTO users (username, display_name, role) VALUES ('mig_user', 'M', 'member') RETURNING id",
    );
    const room = await p.query<{ id: string }>("SELECT id FROM rooms WHERE name = 'general'");
    const insert = (seq: number, key: string) =>
      p.query(
        `INSERT INTO messages (room_id, seq, author_id, content, idempotency_key) VALUES ($1, $2, $3, '{"type":"text","text":"x"}', $4)`,
        [room.rows[0]?.id, seq, user.rows[0]?.id, key],
      );
    await insert(1, 'k1');
    await expect(insert(1, 'k2')).rejects.toThrow(/duplicate key/);
    await expect(insert(2, 'k1')).rejects.toThrow(/duplicate key/);
  });

  it('refuses a database migrated by a newer Parley', async () => {
    const p = pool();
    await p.query("INSERT INTO schema_migrations (version, name) VALUES (9999, 'from the future')");
    await expect(migrate(p, log)).rejects.toThrow(/does not know \(9999\)/);
    await p.query('DELETE FROM schema_migrations WHERE version = 9999');
  });

  it('rolls back a failing migration and reports it', async () => {
    const broken = [
      ...MIGRATIONS,
      {
        version: 10_000,
        name: 'broken',
        sql: 'CREATE TABLE t_ok (id int); SELECT nope FROM nowhere',
      },
    ];
    await expect(migrate(pool(), log, broken)).rejects.toThrow(/migration 10000 \(broken\) failed/);
    const { rowCount } = await pool().query(
      "SELECT 1 FROM information_schema.tables WHERE table_name = 't_ok'",
    );
    expect(rowCount).toBe(0);
  });
});
