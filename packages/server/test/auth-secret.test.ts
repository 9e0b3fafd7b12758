import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { loadJwtSecret } from '../src/domain/auth/jwt-secret.js';

describe('JWT signing secret', () => {
  const dirs: string[] = [];
  const tmp = async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'parley-secret-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(async () => {
    for (const dir of dirs) await fs.rm(dir, { recursive: true, force: true });
  });
  const log = pino({ level: 'silent' });

  it('generates 48 random bytes into DATA_DIR/jwt-secret (0600) once, and reuses them', async () => {
    const dataDir = path.join(await tmp(), 'nested', 'data');
    const a = await loadJwtSecret({ jwtSecret: undefined, dataDir, databaseUrl: undefined }, log);
    expect(Buffer.from(a, 'base64url')).toHaveLength(48);
    const stat = await fs.stat(path.join(dataDir, 'jwt-secret'));
    expect(stat.mode & 0o777).toBe(0o600);
    const [b, c] = await Promise.all([
      loadJwtSecret({ jwtSecret: undefined, dataDir, databaseUrl: undefined }, log),
      loadJwtSecret({ jwtSecret: undefined, dataDir, databaseUrl: undefined }, log),
    ]);
    expect([b, c]).toEqual([a, a]);
  });

  it('prefers JWT_SECRET and then writes nothing', async () => {
    const dataDir = await tmp();
    const secret = 's'.repeat(40);
    expect(await loadJwtSecret({ jwtSecret: secret, dataDir, databaseUrl: undefined }, log)).toBe(
      secret,
    );
    expect(await fs.readdir(dataDir)).toEqual([]);
  });

  it('refuses a truncated secret file', async () => {
    const dataDir = await tmp();
    await fs.writeFile(path.join(dataDir, 'jwt-secret'), 'short\n');
    await expect(
      loadJwtSecret({ jwtSecret: undefined, dataDir, databaseUrl: undefined }, log),
    ).rejects.toThrow(/shorter than 32/);
  });
});
