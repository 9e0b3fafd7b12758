/**
 * Fresh databases for tests, on both engines Parley supports. Each call creates a uniquely named
 * database and returns a `drop()` that removes it (forcing out any connection left behind).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';

export type Engine = 'embedded' | 'external';
export const ENGINES: Engine[] = ['embedded', 'external'];

/** The machine's PostgreSQL service (DESIGN.md); override with TEST_DATABASE_URL. */
export const EXTERNAL_ADMIN_URL =
  process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

export function adminUrl(engine: Engine): string {
  return engine === 'external' ? EXTERNAL_ADMIN_URL : inject('embeddedAdminUrl');
}

export async function createTestDatabase(engine: Engine): Promise<TestDatabase> {
  const admin = adminUrl(engine);
  const name = `parley_test_${randomBytes(6).toString('hex')}`;
  await withAdmin(admin, (c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: () =>
      withAdmin(admin, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(
        () => undefined,
      ),
  };
}

async function withAdmin<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
