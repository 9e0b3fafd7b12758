/**
 * `npm run screenshots`: pictures of the main screens for the README, in docs/screenshots/.
 * Runs the built server (`npm run build` first) on a throwaway embedded PostgreSQL (or
 * DATABASE_URL when set), seeds a small conversation through the SDK, and photographs the app
 * in Debian's Chromium: dark and light themes, desktop (1280×800) and phone (390×844) widths.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ParleyClient } from '@parley/client';
import { spawnServer } from '../../server/test/helpers/server-process.js';
import { ensureWebBuild, launchBrowser } from '../test/helpers/browser.js';

const OUT = fileURLToPath(new URL('../../../docs/screenshots/', import.meta.url));
const PASSWORD = 'correct horse battery staple';

const page = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  res.end(`<title>Parley 1.0</title><meta property="og:site_name" content="Parley Blog">
    <meta property="og:title" content="Parley 1.0: chat that never loses a message">
    <meta property="og:description" content="Self-hosted real-time chat: REST, WebSocket, SSE and long-polling over one durable event log.">`);
});
await new Promise<void>((r) => page.listen(0, '127.0.0.1', r));
const pageUrl = `http://127.0.0.1:${(page.address() as AddressInfo).port}/blog/parley-1-0`;

ensureWebBuild();
const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'parley-shots-'));
const server = await spawnServer({
  DATA_DIR: dataDir,
  UNFURL_ALLOW_HOSTS: '127.0.0.1',
  RATE_LIMIT_AUTH_PER_MIN: '1000',
  ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}),
  JWT_SECRET: randomBytes(32).toString('base64url'),
});
const browser = await launchBrowser();
try {
  const sdk = async (username: string, display_name: string) => {
    const c = new ParleyClient({ baseUrl: server.url });
    await c.auth.register({ username, password: PASSWORD, display_name });
    return c;
  };
  const ada = await sdk('ada', 'Ada Lovelace');
  const grace = await sdk('grace', 'Grace Hopper');
  const linus = await sdk('linus', 'Linus');
  const general = (await ada.rooms.list()).find((r) => r.name === 'general')!;
  await grace.rooms.create({ name: 'design', topic: 'Pixels and words', visibility: 'public' });
  await ada.rooms.create({ name: 'release', topic: 'Shipping 1.0', visibility: 'public' });
  const say = (c: ParleyClient, text: string, reply_to?: string) =>
    c.messages.send(general.id, {
      content: { type: 'text', text },
      ...(reply_to ? { reply_to } : {}),
    });
  await say(grace, 'Morning all! The release candidate is up on staging.');
  const q = await say(linus, 'Nice. Did the reconnect fix make it in?');
  await say(
    grace,
    'It did: kill the server mid-message and the text still arrives, exactly once.',
    q.message.id,
  );
  const notes = await say(ada, `Release notes are here: ${pageUrl}`);
  await ada.messages.react(notes.message.id, '🎉');
  await grace.messages.react(notes.message.id, '🎉');
  await linus.messages.react(notes.message.id, '👍');
  const typo = await say(
    linus,
    'Questions to ops@example.com or call +1 (555) 010-4477 during the rollout',
  );
  await linus.messages.edit(typo.message.id, {
    type: 'text',
    text: 'Questions to ops@example.com, or call +1 (555) 010-4477 during the rollout.',
  });
  await say(grace, '@ada can you look at the light theme contrast before we tag?');
  const dm = await grace.rooms.dm([(await ada.me.get()).id]);
  await grace.messages.send(dm.id, { content: { type: 'text', text: 'Lunch after the release?' } });

  await fs.mkdir(OUT, { recursive: true });
  const shots: [string, 'dark' | 'light', { width: number; height: number }][] = [
    ['desktop-dark', 'dark', { width: 1280, height: 800 }],
    ['desktop-light', 'light', { width: 1280, height: 800 }],
    ['phone-dark', 'dark', { width: 390, height: 844 }],
    ['phone-light', 'light', { width: 390, height: 844 }],
  ];
  for (const [name, theme, viewport] of shots) {
    const ctx = await browser.newContext({ viewport, deviceScaleFactor: 1 });
    await ctx.addInitScript((t) => localStorage.setItem('parley.theme', t), theme);
    const p = await ctx.newPage();
    await p.goto(server.url);
    if (name === 'desktop-dark') await p.screenshot({ path: path.join(OUT, 'sign-in-dark.png') });
    await p.getByLabel('Username').fill('ada');
    await p.getByLabel('Password').fill(PASSWORD);
    await p.locator('form button[type=submit]').click();
    await p.locator('.link-preview').waitFor();
    await p.locator('.room-link .badge').first().waitFor();
    await p.locator('#composer-input').blur();
    await p.mouse.move(0, 0); // no hover toolbar in the picture
    await p.screenshot({ path: path.join(OUT, `${name}.png`) });
    if (name === 'phone-dark') {
      await p.getByRole('button', { name: 'Open the room list' }).click();
      await p.waitForFunction(() => {
        const s = document.querySelector('.sidebar');
        return !!s && s.getBoundingClientRect().left >= 0;
      });
      await p.screenshot({ path: path.join(OUT, 'phone-dark-rooms.png') });
    }
    await ctx.close();
  }
  console.log(`screenshots written to ${OUT}`);
} finally {
  await browser.close();
  await server.stop();
  page.close();
  await fs.rm(dataDir, { recursive: true, force: true });
}
