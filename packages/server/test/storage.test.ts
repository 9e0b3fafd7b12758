/**
 * Closing storage (db/storage.ts) waits for the pool to go quiet first: a request whose client
 * hung up is not waited for by the HTTP server and may be between two queries when shutdown
 * closes storage; its next query must still run rather than hit an ended pool.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStorage } from '../src/db/storage.js';
import { createTestDatabase, type TestDatabase } from './helpers/databases.js';

describe('storage close (external PostgreSQL)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('external');
  });
  afterAll(() => db.drop());

  it('lets a request between two queries finish before ending the pool', async () => {
    const storage = await openStorage(
      { databaseUrl: db.url, dataDir: '', dbPoolMax: 4 },
      pino({ level: 'silent' }),
    );
    const order: string[] = [];
    const request = (async () => {
      await storage.pool.query('SELECT 1');
      await new Promise((resolve) => setTimeout(resolve, 5)); // between two queries
      const { rows } = await storage.pool.query<{ n: number }>('SELECT 2 AS n');
      order.push('second query');
      return rows[0]?.n;
    })();
    await new Promise((resolve) => setTimeout(resolve, 1)); // the first query is in flight
    const closed = storage.close().then(() => order.push('closed'));
    expect(await request).toBe(2);
    await closed;
    expect(order).toEqual(['second query', 'closed']);
  });

  it('ends the pool when nothing is running', async () => {
    const storage = await openStorage(
      { databaseUrl: db.url, dataDir: '', dbPoolMax: 4 },
      pino({ level: 'silent' }),
    );
    await storage.pool.query('SELECT 1');
    await storage.close();
    await expect(storage.pool.query('SELECT 1')).rejects.toThrow(/after calling end/);
  });
});
