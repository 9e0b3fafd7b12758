/**
 * The web client across a server restart: the built server runs as a real process on a fixed
 * port and an external database; it is stopped (SIGTERM) and started again. The pages show that
 * they are reconnecting, a message written meanwhile stays pending, and once the server is back
 * it is delivered exactly once, and live chat resumes without a reload.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ParleyClient } from '@parley/client';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../server/test/helpers/databases.js';
import { spawnServer, type ServerProcess } from '../../server/test/helpers/server-process.js';
import { loginUser, uniqueUsername } from '../../server/test/helpers/users.js';
import { ensureWebBuild, launchBrowser, message, send, signUp } from './helpers/browser.js';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

describe('web client across a server restart', () => {
  let db: TestDatabase;
  let dataDir: string;
  let env: Record<string, string>;
  let server: ServerProcess | undefined;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let alice: Page;
  let bob: Page;
  const aliceName = uniqueUsername('alice');

  beforeAll(async () => {
    ensureWebBuild();
    db = await createTestDatabase('external');
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'parley-web-restart-'));
    env = {
      DATABASE_URL: db.url,
      DATA_DIR: dataDir,
      PORT: String(await freePort()),
      // The same secret after the restart: access tokens issued before stay valid.
      JWT_SECRET: randomBytes(32).toString('base64url'),
      SHUTDOWN_TIMEOUT_MS: '2000',
    };
    server = await spawnServer(env);
    browser = await launchBrowser();
    for (let i = 0; i < 2; i++) {
      const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      contexts.push(ctx);
    }
    alice = await contexts[0]!.newPage();
    bob = await contexts[1]!.newPage();
    for (const p of [alice, bob]) p.setDefaultTimeout(15_000);
    await signUp(alice, server.url, aliceName, 'Alice');
    await signUp(bob, server.url, uniqueUsername('bob'), 'Bob');
  });
  afterAll(async () => {
    for (const ctx of contexts) await ctx.close();
    await browser?.close();
    await server?.stop();
    await db?.drop();
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('shows reconnecting, delivers a message sent meanwhile once, and resumes', async () => {
    await send(alice, 'before the restart');
    await message(bob, 'before the restart').waitFor();

    await server!.stop('SIGTERM');
    server = undefined;
    for (const page of [alice, bob]) {
      await page.locator('.connection', { hasText: /Reconnecting|offline/ }).waitFor();
    }
    await send(alice, 'written while the server was down');
    await alice
      .locator('article.pending', { hasText: 'written while the server was down' })
      .waitFor();

    server = await spawnServer(env);
    await message(bob, 'written while the server was down').waitFor();
    await alice.locator('article.pending').waitFor({ state: 'detached' });
    for (const page of [alice, bob]) {
      await page.locator('.connection[data-state="open"]').waitFor({ state: 'attached' });
      expect(await message(page, 'written while the server was down').count()).toBe(1);
    }

    // Exactly one copy on the server, too.
    const creds = await loginUser(server.url, aliceName);
    const sdk = new ParleyClient({ baseUrl: server.url, token: creds.access_token });
    const general = (await sdk.rooms.list()).find((r) => r.name === 'general');
    const page = await sdk.messages.list(general!.id, { limit: 50 });
    const copies = page.messages.filter(
      (m) => m.content?.type === 'text' && m.content.text === 'written while the server was down',
    );
    expect(copies).toHaveLength(1);

    await send(bob, 'live again');
    await message(alice, 'live again').waitFor();
  });
});
