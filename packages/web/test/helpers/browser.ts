/**
 * Browser tests' tools: Debian's Chromium driven by playwright-core (no downloaded browser),
 * an up-to-date build of the web app (the server serves packages/web/dist), and UI steps shared
 * by the test files. Whoever launches a browser closes it.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const WEB = fileURLToPath(new URL('../../', import.meta.url));

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      '--no-first-run',
    ],
  });
}

/**
 * Build the web app when dist is missing or older than its sources (`npm test` builds first).
 * Test files run in parallel: a lock file makes one build while the others wait for it.
 */
export function ensureWebBuild(): void {
  const lock = path.join(tmpdir(), 'parley-web-build.lock');
  for (let waited = 0; isStale(); waited += 200) {
    let fd: number;
    try {
      fd = openSync(lock, 'wx');
    } catch {
      if (waited > 120_000) throw new Error(`${lock} held for 2 minutes: remove it if stale`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
      continue;
    }
    try {
      if (!isStale()) return;
      const vite = fileURLToPath(
        new URL('../../../../node_modules/vite/bin/vite.js', import.meta.url),
      );
      execFileSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], {
        cwd: WEB,
        stdio: 'inherit',
      });
    } finally {
      closeSync(fd);
      rmSync(lock, { force: true });
    }
  }
}

function isStale(): boolean {
  const index = path.join(WEB, 'dist/index.html');
  const built = existsSync(index) ? statSync(index).mtimeMs : 0;
  const newest = Math.max(
    newestMtime(path.join(WEB, 'src')),
    newestMtime(path.join(WEB, '../client/src')),
    statSync(path.join(WEB, 'index.html')).mtimeMs,
  );
  return built < newest;
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** Collects uncaught page errors, so a test can assert none happened (e.g. from an XSS). */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  return errors;
}

export async function signUp(page: Page, base: string, username: string, displayName: string) {
  await page.goto(base);
  await page.getByRole('tab', { name: 'Sign up' }).click();
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill('correct horse battery staple');
  await page.getByLabel('Display name (optional)').fill(displayName);
  await page.locator('form button[type=submit]').click();
  await page.locator('#composer-input').waitFor();
}

export async function continueAsGuest(page: Page, base: string, displayName: string) {
  await page.goto(base);
  await page.getByRole('tab', { name: 'Continue as guest' }).click();
  await page.getByLabel('Your name').fill(displayName);
  await page.locator('form button[type=submit]').click();
  await page.locator('#composer-input').waitFor();
}

export async function send(page: Page, text: string) {
  const box = page.locator('#composer-input');
  await box.fill(text);
  await box.press('Enter');
}

/** The confirmed (not pending) message whose text contains `text`. */
export const message = (page: Page, text: string) =>
  page.locator('article.message:not(.pending)', { hasText: text });

export async function openRoom(page: Page, name: string) {
  await page.locator('.room-link', { hasText: name }).click();
  await page.locator('.room-title h1', { hasText: name }).waitFor();
}
