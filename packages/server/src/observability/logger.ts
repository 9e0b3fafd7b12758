/**
 * One pino logger for the process. JSON lines by default (what log shippers want); pretty when
 * attached to a TTY or LOG_PRETTY=true. Credentials never reach a log line: the paths below are
 * redacted wherever they appear in a logged object.
 */
import pino, { type Logger } from 'pino';
import type { Config } from '../config.js';

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.current_password',
  '*.token',
  '*.access_token',
  '*.refresh_token',
  'password',
  'token',
  'databaseUrl',
  'jwtSecret',
];

export function createLogger(config: Pick<Config, 'logLevel' | 'logPretty'>): Logger {
  const pretty = config.logPretty ?? Boolean(process.stdout.isTTY);
  return pino({
    level: config.logLevel,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { service: 'parley' },
    timestamp: pino.stdTimeFunctions.isoTime,
    ...(pretty
      ? {
          transport: {
            target: 'pino-pretty',
            options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service' },
          },
        }
      : {}),
  });
}
