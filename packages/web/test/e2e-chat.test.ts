/**
 * The web client end to end: a real Parley server (real PostgreSQL), the built app it serves,
 * and Debian's Chromium with one browser context per person. Covers real-time chat between two
 * users, typing, edit/delete propagation, unread badges and the new-messages divider, history
 * scroll-back, link previews of a page served here, clickable e-mail addresses and phone
 * numbers, XSS payloads rendered as text, and a session surviving a reload.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ParleyClient } from '@parley/client';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../server/test/helpers/test-app.js';
import { registerUser, uniqueUsername } from '../../server/test/helpers/users.js';
import {
  continueAsGuest,
  ensureWebBuild,
  launchBrowser,
  message,
  openRoom,
  send,
  signUp,
  watchErrors,
} from './helpers/browser.js';

const PREVIEW_PAGE = `<!doctype html><html><head>
  <title>ignored</title>
  <meta property="og:title" content="Release notes &lt;img src=x onerror=&quot;window.__xss=9&quot;&gt;">
  <meta property="og:description" content="Everything new in Parley">
  <meta property="og:site_name" content="Parley Blog">
</head><body></body></html>`;

function startPageServer(): Promise<Server> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(PREVIEW_PAGE);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe('web client', () => {
  let t: TestApp;
  let browser: Browser;
  let pages: Server;
  const contexts: BrowserContext[] = [];
  let alice: Page;
  let bob: Page;
  let aliceErrors: string[];
  let bobErrors: string[];

  const newPage = async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    contexts.push(ctx);
    const page = await ctx.newPage();
    page.setDefaultTimeout(10_000);
    return page;
  };

  beforeAll(async () => {
    ensureWebBuild();
    pages = await startPageServer();
    t = await startTestApp('external', {
      unfurlAllowPrivate: ['127.0.0.1'],
      rateLimitSendPerS: 1000,
      rateLimitSendBurst: 1000,
    });
    browser = await launchBrowser();
    alice = await newPage();
    bob = await newPage();
    aliceErrors = watchErrors(alice);
    bobErrors = watchErrors(bob);
    await signUp(alice, t.url, uniqueUsername('alice'), 'Alice');
    await signUp(bob, t.url, uniqueUsername('bob'), 'Bob');
  });
  afterAll(async () => {
    for (const ctx of contexts) await ctx.close();
    await browser?.close();
    await t?.close();
    pages?.closeAllConnections();
    await new Promise((r) => pages?.close(r));
  });

  it('two users chat in real time, with typing indicators', async () => {
    await send(alice, 'Hello Bob, welcome to Parley');
    await message(bob, 'Hello Bob, welcome to Parley').waitFor();
    await bob.locator('#composer-input').pressSequentially('Hi Al');
    await alice.locator('.typing-line', { hasText: 'Bob is typing…' }).waitFor();
    await bob.locator('#composer-input').pressSequentially('ice!');
    await bob.locator('#composer-input').press('Enter');
    await message(alice, 'Hi Alice!').waitFor();
    // Shift+Enter is a newline, not a send.
    const box = alice.locator('#composer-input');
    await box.pressSequentially('line one');
    await box.press('Shift+Enter');
    await box.pressSequentially('line two');
    await box.press('Enter');
    await expect
      .poll(() => message(bob, 'line one').locator('.body').innerText())
      .toBe('line one\nline two');
    expect(await message(alice, 'Hi Alice!').locator('.author').innerText()).toBe('Bob');
  });

  it('edits (Up arrow) and deletes propagate to the other user', async () => {
    await send(alice, 'This has a tpyo');
    await message(bob, 'This has a tpyo').waitFor();
    await message(alice, 'This has a tpyo').waitFor();
    await alice.locator('#composer-input').press('ArrowUp');
    const edit = alice.locator('.edit-box textarea');
    await edit.fill('This had a typo');
    await edit.press('Enter');
    const edited = message(bob, 'This had a typo');
    await edited.waitFor();
    await expect.poll(() => edited.locator('.edited').count()).toBe(1);
    // Read before deleting: once the deletion reaches Bob, no message of his has this text.
    const id = await edited.getAttribute('data-message-id');

    alice.once('dialog', (d) => void d.accept());
    const own = message(alice, 'This had a typo');
    await own.hover();
    await own.getByRole('button', { name: 'Delete' }).click();
    await bob
      .locator(`article[data-message-id="${id}"]`, { hasText: 'This message was deleted.' })
      .waitFor();
    expect(await message(bob, 'This had a typo').count()).toBe(0);
  });

  it('makes URLs, e-mail addresses and phone numbers clickable', async () => {
    await send(
      alice,
      'Mail ops@example.com or call +1 (555) 123-4567, docs at https://example.org/docs',
    );
    const m = message(bob, 'Mail ops@example.com');
    await m.waitFor();
    expect(await m.locator('a[href="mailto:ops@example.com"]').innerText()).toBe('ops@example.com');
    const tel = m.locator('a[href^="tel:"]');
    expect(await tel.innerText()).toBe('+1 (555) 123-4567');
    expect(await tel.getAttribute('href')).toMatch(/^tel:\+?15551234567$/);
    const web = m.locator('a[href="https://example.org/docs"]');
    expect(await web.getAttribute('rel')).toContain('noopener');
  });

  it('shows a preview of a linked page, its text kept as text', async () => {
    const url = `http://127.0.0.1:${(pages.address() as AddressInfo).port}/notes`;
    await send(alice, `Read ${url} please`);
    const card = message(bob, 'Read http').locator('.link-preview');
    await card.waitFor();
    expect(await card.locator('.site').innerText()).toBe('Parley Blog');
    expect(await card.locator('.title').innerText()).toBe(
      'Release notes <img src=x onerror="window.__xss=9">',
    );
    expect(await card.locator('.description').innerText()).toBe('Everything new in Parley');
    expect(await card.locator('img[src="x"]').count()).toBe(0);
  });

  it('renders XSS payloads in messages and display names as text', async () => {
    const payload = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>';
    await send(alice, payload);
    const m = message(bob, '<script>');
    await m.waitFor();
    expect(await m.locator('.body').innerText()).toBe(payload);

    const mallory = await newPage();
    const evilName = '<img src=x onerror="window.__xss=3"><b>Mal</b>';
    await continueAsGuest(mallory, t.url, evilName);
    await send(mallory, 'guest says hi');
    const fromGuest = message(bob, 'guest says hi');
    await fromGuest.waitFor();
    expect(await fromGuest.locator('.author').innerText()).toBe(evilName);
    for (const page of [alice, bob, mallory]) {
      expect(await page.evaluate(() => (window as { __xss?: number }).__xss)).toBeUndefined();
      expect(
        await page.locator('.messages img[src="x"], .messages script, .sidebar img').count(),
      ).toBe(0);
    }
    expect(aliceErrors).toEqual([]);
    expect(bobErrors).toEqual([]);
  });

  it('counts unread messages per room and marks where new ones start', async () => {
    // Bob creates a room and Alice joins it from the public room browser.
    await bob.getByRole('button', { name: 'Create a room' }).click();
    await bob.getByLabel('Name').fill('random');
    await bob.getByRole('button', { name: 'Create', exact: true }).click();
    await bob.locator('.room-title h1', { hasText: 'random' }).waitFor();
    await alice.getByRole('button', { name: 'Browse public rooms' }).click();
    await alice
      .locator('.browse-list li', { hasText: '#random' })
      .getByRole('button', { name: 'Join' })
      .click();
    await alice.locator('.room-title h1', { hasText: 'random' }).waitFor();

    // Alice is in #random; Bob writes in #general: Alice's sidebar counts it.
    await openRoom(bob, 'general');
    await send(bob, 'unread one');
    await send(bob, 'unread two');
    const badge = alice.locator('.room-link', { hasText: 'general' }).locator('.badge');
    await expect.poll(() => badge.innerText()).toBe('2');
    await openRoom(alice, 'general');
    const divider = alice.locator('.new-divider');
    await divider.waitFor();
    // The divider sits right before the first unread message.
    const next = divider.locator('xpath=following-sibling::article[1]');
    expect(await next.innerText()).toContain('unread one');
    await expect
      .poll(() => alice.locator('.room-link', { hasText: 'general' }).locator('.badge').count())
      .toBe(0);
  });

  it('scrolls back through history page by page', async () => {
    const seeder = await registerUser(t.url, { display_name: 'Seeder' });
    const sdk = new ParleyClient({ baseUrl: t.url, token: seeder.access_token });
    const room = await sdk.rooms.create({ name: 'archive', visibility: 'public' });
    for (let i = 1; i <= 130; i++) {
      await sdk.messages.send(room.id, {
        content: { type: 'text', text: `history ${String(i).padStart(3, '0')}` },
      });
    }
    await bob.getByRole('button', { name: 'Browse public rooms' }).click();
    await bob
      .locator('.browse-list li', { hasText: '#archive' })
      .getByRole('button', { name: 'Join' })
      .click();
    await message(bob, 'history 130').waitFor();
    expect(await message(bob, 'history 001').count()).toBe(0);
    const log = bob.getByRole('log');
    const start = bob.locator('.history-start');
    // Each scroll to the top loads one older page; stop at the beginning of the room.
    for (let page = 0; page < 10 && !(await start.isVisible()); page++) {
      const before = await bob.locator('article.message').count();
      await log.evaluate((el) => (el.scrollTop = 0));
      await expect
        .poll(
          async () =>
            (await start.isVisible()) || (await bob.locator('article.message').count()) > before,
        )
        .toBe(true);
    }
    await start.waitFor();
    await message(bob, 'history 001').waitFor();
    const texts = await bob.locator('article.message .body').allInnerTexts();
    const seq = texts.filter((x) => x.startsWith('history ')).map((x) => Number(x.slice(8)));
    expect(seq).toEqual(Array.from({ length: 130 }, (_, i) => i + 1));
    expect(await bob.locator('.day-separator').count()).toBeGreaterThanOrEqual(1);
  });

  it('keeps the session across a reload and signs out', async () => {
    await alice.reload();
    await alice.locator('#composer-input').waitFor();
    expect(await alice.locator('.me-name').innerText()).toBe('Alice');
    await alice.getByRole('button', { name: 'Log out' }).click();
    await alice.getByRole('tab', { name: 'Log in' }).waitFor();
    await alice.reload();
    await alice.getByRole('tab', { name: 'Log in' }).waitFor();
  });
});
