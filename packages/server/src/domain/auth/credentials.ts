/**
 * Opaque secrets (refresh tokens, session cookies, personal API tokens): 32 random bytes,
 * base64url, with a prefix that says what they are (so a leaked one is recognisable by secret
 * scanners and a token can never be mistaken for another kind). Only their SHA-256 is stored: the
 * tokens carry 256 bits of entropy, so a fast hash suffices, and a lookup by hash reveals nothing
 * usable through timing.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const TOKEN_PREFIX = {
  refresh: 'prt_',
  cookie: 'pcs_',
  api: 'pat_',
} as const;

export type TokenKind = keyof typeof TOKEN_PREFIX;

export function newToken(kind: TokenKind): string {
  return TOKEN_PREFIX[kind] + randomBytes(32).toString('base64url');
}

export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** Constant-time string equality (length leaks, content does not). */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}
