/**
 * With REDIS_URL, rate limits hold for the cluster: two nodes on one database and one Redis share
 * the login-attempt windows and the per-user send bucket (without Redis each node counts alone).
 */
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { testConfig } from '../src/config.js';
import { migrate } from '../src/db/migrate.js';
import { createPool, type Pool } from '../src/db/pool.js';
import type { App } from '../src/http/types.js';
import { createTestDatabase, type TestDatabase } from './helpers/databases.js';
import { registerUser, type TestUser } from './helpers/users.js';

const log = pino({ level: 'silent' });

describe('rate limits shared through Redis by two nodes', () => {
  let db: TestDatabase;
  let pool: Pool;
  const apps: App[] = [];
  const urls: string[] = [];
  let sender: TestUser;

  beforeAll(async () => {
    db = await createTestDatabase('external');
    pool = createPool(db.url, 10);
    await migrate(pool, log);
    const config = testConfig({
      databaseUrl: db.url,
      jwtSecret: randomBytes(32).toString('hex'),
      redisUrl: 'redis://127.0.0.1:6379',
      redisPrefix: `parley-test-${randomBytes(4).toString('hex')}:`,
      rateLimitAuthPerMin: 3,
      rateLimitSendPerS: 1,
      rateLimitSendBurst: 2,
    });
    for (let i = 0; i < 2; i++) {
      const app = await buildApp(config, { pool, log });
      await app.listen({ port: 0, host: '127.0.0.1' });
      const address = app.server.address();
      urls.push(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`);
      apps.push(app);
    }
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await pool.end();
    await db.drop();
  });

  const login = (url: string, username: string) =>
    fetch(`${url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password: 'wrong password!' }),
    });

  it('counts auth attempts across nodes (per IP, limit 3 a minute)', async () => {
    const [a, b] = urls as [string, string];
    // The shared limiter counts in windows aligned to the clock's minutes: four attempts that
    // straddle a minute's end are counted in two windows (correctly). Start well inside one.
    const leftInMinute = 60_000 - (Date.now() % 60_000);
    if (leftInMinute < 10_000) await new Promise((r) => setTimeout(r, leftInMinute + 100));
    sender = await registerUser(a); // attempt 1, on node a
    expect((await login(b, 'nobody_here')).status).toBe(401); // 2, on node b
    expect((await login(a, 'nobody_else')).status).toBe(401); // 3, on node a
    const refused = await login(b, 'third_name'); // 4: refused, although b saw only one before
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('takes send tokens from one bucket per user, whichever node serves the send', async () => {
    const [a, b] = urls as [string, string];
    const send = (url: string, n: number) =>
      fetch(`${url}/api/v1/messages`, {
        method: 'POST',
        headers: sender.headers,
        body: JSON.stringify({ text: `m${n}` }),
      });
    // Burst 2 for the cluster: the third send is refused on whichever node it lands.
    const statuses = [
      (await send(a, 1)).status,
      (await send(b, 2)).status,
      (await send(a, 3)).status,
    ];
    expect(statuses).toEqual([201, 201, 429]);
  });
});
