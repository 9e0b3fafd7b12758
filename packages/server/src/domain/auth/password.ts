/**
 * Password hashing: argon2id via `@node-rs/argon2` (prebuilt native, maintained; the `argon2`
 * package's binary crashes on some machines). Defaults follow OWASP's Password Storage Cheat
 * Sheet: m = 19 MiB, t = 2, p = 1 (about 75 ms on one core here). Hashes are PHC strings, so the
 * parameters travel with each hash and can be raised later: a login with an older hash rehashes.
 */
import { hash, parseOptions, verify, type Algorithm } from '@node-rs/argon2';

const ARGON2ID = 2 as Algorithm; // Algorithm.Argon2id (a const enum: not importable as a value)

export interface PasswordParams {
  memoryKib: number;
  timeCost: number;
}

export class PasswordHasher {
  readonly #options;
  // A real hash of a random string: logins for unknown users (and guests, which have no
  // password) verify against it, so they take as long as a wrong password for a real user.
  readonly #dummy: Promise<string>;

  constructor(params: PasswordParams) {
    this.#options = {
      algorithm: ARGON2ID,
      memoryCost: params.memoryKib,
      timeCost: params.timeCost,
      parallelism: 1,
    };
    this.#dummy = hash(crypto.randomUUID(), this.#options);
    this.#dummy.catch(() => undefined);
  }

  hash(password: string): Promise<string> {
    return hash(password, this.#options);
  }

  /** Verifies against `stored`, or against the dummy hash (always false) when there is none. */
  async verify(stored: string | null | undefined, password: string): Promise<boolean> {
    if (!stored) {
      await verify(await this.#dummy, password).catch(() => false);
      return false;
    }
    return verify(stored, password).catch(() => false);
  }

  /** True when `stored` was made with other parameters than the configured ones. */
  needsRehash(stored: string): boolean {
    try {
      const p = parseOptions(stored);
      return (
        p.algorithm !== ARGON2ID ||
        p.memoryCost !== this.#options.memoryCost ||
        p.timeCost !== this.#options.timeCost ||
        p.parallelism !== this.#options.parallelism
      );
    } catch {
      return true;
    }
  }
}
