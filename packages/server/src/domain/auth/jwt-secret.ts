/**
 * The access-token signing secret: `JWT_SECRET`, or 48 random bytes generated on first start into
 * `DATA_DIR/jwt-secret` (mode 0600) and reused by every later start, so restarts keep tokens
 * valid. With an external database (possibly several nodes) and no JWT_SECRET, the generated
 * secret lives in the database's `server_secrets` table instead: the first node to start creates
 * it, every other node reads the same one, so a token from one node is valid on all of them.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../../config.js';
import type { Queryable } from '../../db/pool.js';

export async function loadJwtSecret(
  config: Pick<Config, 'jwtSecret' | 'dataDir' | 'databaseUrl'>,
  log: Logger,
  db: Queryable,
): Promise<string> {
  if (config.jwtSecret) return config.jwtSecret;
  if (config.databaseUrl) return sharedSecret(db, 'jwt', log);
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

async function sharedSecret(db: Queryable, name: string, log: Logger): Promise<string> {
  // ON CONFLICT DO NOTHING: when nodes start together, exactly one insert wins and all read it.
  const inserted = await db.query(
    'INSERT INTO server_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING',
    [name, randomBytes(48).toString('base64url')],
  );
  if (inserted.rowCount === 1) log.info({ secret: name }, 'generated a shared signing secret');
  const { rows } = await db.query<{ value: string }>(
    'SELECT value FROM server_secrets WHERE name = $1',
    [name],
  );
  const value = rows[0]?.value;
  if (!value) throw new Error(`server secret ${name} is missing`);
  return value;
}
