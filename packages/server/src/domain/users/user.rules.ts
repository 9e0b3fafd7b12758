/**
 * Input rules for identities (API.md "Identity"), enforced here so every transport and the CLI
 * share them; route schemas repeat the cheap checks for OpenAPI and early 400s.
 */
import { invalid } from '../../errors.js';

const USERNAME = /^[a-z0-9_.-]{3,32}$/;
// Control characters, line/paragraph separators, bidi overrides/isolates and lone surrogates:
// they break rendering, storage (NUL) or let a name impersonate another (bidi reordering).
const FORBIDDEN_IN_NAMES = /[\p{Cc}\p{Cs}\p{Zl}\p{Zp}\u202A-\u202E\u2066-\u2069\u200E\u200F]/u;

/** True when `s` holds characters no stored name or search text may contain. */
export const hasForbiddenCharacters = (s: string): boolean => FORBIDDEN_IN_NAMES.test(s);

const codePoints = (s: string): number => [...s].length;

/** Usernames are case-insensitive: stored and compared lowercased. */
export function normalizeUsername(raw: string): string {
  const username = raw.toLowerCase();
  if (!USERNAME.test(username)) {
    throw invalid('username must be 3–32 characters of a-z, 0-9, "_", "." or "-"', [
      { field: 'username', message: 'must match [a-z0-9_.-]{3,32}' },
    ]);
  }
  return username;
}

/** Display names are trimmed and NFC-normalised, 1–64 characters, no control characters. */
export function normalizeDisplayName(raw: string, field = 'display_name'): string {
  const name = raw.normalize('NFC').trim();
  if (name.length === 0 || codePoints(name) > 64) {
    throw invalid(`${field} must be 1–64 characters after trimming`, [
      { field, message: 'must be 1–64 characters' },
    ]);
  }
  if (hasForbiddenCharacters(name)) {
    throw invalid(`${field} must not contain control characters`, [
      { field, message: 'must not contain control characters' },
    ]);
  }
  return name;
}

/**
 * Passwords are 8–256 characters (code points), NFC-normalised so the same password typed on
 * different keyboards/OSes (composed vs decomposed accents) hashes the same.
 */
export function normalizePassword(raw: string, field = 'password'): string {
  const password = raw.normalize('NFC');
  const n = codePoints(password);
  if (n < 8 || n > 256) {
    throw invalid(`${field} must be 8–256 characters`, [
      { field, message: 'must be 8–256 characters' },
    ]);
  }
  return password;
}
