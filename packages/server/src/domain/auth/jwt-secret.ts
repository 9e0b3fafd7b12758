/**
 * The access-token signing secret: `JWT_SECRET`, or 48 random bytes generated on first start into
 * `DATA_DIR/jwt-secret` (mode 0600) and reused by every later start, so restarts keep tokens
 * valid. Several nodes must share one secret: with an external database set JWT_SECRET.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../../config.js';

export async function loadJwtSecret(
  config: Pick<Config, 'jwtSecret' | 'dataDir' | 'databaseUrl'>,
  log: Logger,
): Promise<string> {
  if (config.jwtSecret) return config.jwtSecret;
  if (config.databaseUrl) {
    log.warn(
      'JWT_SECRET is not set: using a secret generated in DATA_DIR; nodes sharing this database must share JWT_SECRET',
    );
  }
  const file = path.join(config.dataDir, 'jwt-secret');
  await fs.mkdir(config.dataDir, { recursive: true });
  try {
    // 'wx': create only if absent, so two processes starting at once cannot both write one.
    await fs.writeFile(file, randomBytes(48).toString('base64url') + '\n', {
      flag: 'wx',
      mode: 0o600,
    });
    log.info({ file }, 'generated a JWT signing secret');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const secret = (await fs.readFile(file, 'utf8')).trim();
  if (secret.length < 32) throw new Error(`${file} holds a secret shorter than 32 characters`);
  return secret;
}
