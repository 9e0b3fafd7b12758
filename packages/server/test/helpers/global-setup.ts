/**
 * Starts one embedded PostgreSQL cluster for the whole test run (in a temporary DATA_DIR, through
 * the same code path `npm start` uses) and stops it at the end. Tests create and drop their own
 * databases inside it, and inside the machine's PostgreSQL service, via helpers/databases.ts.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../../src/db/embedded.js';

declare module 'vitest' {
  export interface ProvidedContext {
    embeddedAdminUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'parley-test-embedded-'));
  await fs.chmod(dir, 0o755);
  const db = await startEmbeddedPostgres(dir, pino({ level: 'warn' }));
  const admin = new URL(db.url);
  admin.pathname = '/postgres';
  project.provide('embeddedAdminUrl', admin.toString());
  return async () => {
    await db.stop();
    await fs.rm(dir, { recursive: true, force: true });
  };
}
