/**
 * Access tokens: short-lived JWTs (HS256, pinned: verification accepts no other algorithm),
 * issuer and audience checked. They carry the user (`sub`) and the login session (`sid`); every
 * verification also checks that session in the database, so logout and theft detection revoke
 * access tokens immediately rather than after their 15 minutes.
 */
import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';
import { LRUCache } from 'lru-cache';
import { AppError } from '../../errors.js';

const ALG = 'HS256';
export const ISSUER = 'parley';
export const AUDIENCE = 'parley-api';

export interface AccessClaims {
  userId: string;
  sessionId: string;
}

export class AccessTokens {
  // A KeyObject, made once: given raw bytes, jose would re-import the HMAC key on every call
  // (about 10% of server CPU on the send path in a profile).
  readonly #key: KeyObject;
  /**
   * Tokens already verified, until their `exp`: a signature check is a pure function of the
   * token, so the next request with the same token skips it (jose's HMAC verify was ~8% of the
   * send path's CPU). Only the signature is cached — the session is still checked every time.
   */
  readonly #verified = new LRUCache<string, AccessClaims>({ max: 20_000, ttlAutopurge: false });

  constructor(
    secret: string,
    readonly ttlS: number,
  ) {
    // Derive a dedicated key so the configured secret is never used for two purposes.
    this.#key = createSecretKey(
      createHmac('sha256', secret).update('parley access token v1').digest(),
    );
  }

  sign(claims: AccessClaims): Promise<string> {
    return new SignJWT({ sid: claims.sessionId })
      .setProtectedHeader({ alg: ALG, typ: 'JWT' })
      .setSubject(claims.userId)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + this.ttlS)
      .sign(this.#key);
  }

  /**
   * Verifies signature, algorithm, issuer, audience and expiry. With `allowExpired` (logout
   * only) an authentic but expired token still names its session, so it can be revoked.
   */
  async verify(token: string, opts: { allowExpired?: boolean } = {}): Promise<AccessClaims> {
    const known = this.#verified.get(token);
    if (known) return known;
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, this.#key, {
        algorithms: [ALG],
        issuer: ISSUER,
        audience: AUDIENCE,
        typ: 'JWT',
        requiredClaims: ['sub', 'exp', 'iat'],
      }));
    } catch (err) {
      if (err instanceof errors.JWTExpired) {
        if (!opts.allowExpired) throw new AppError('token_expired', 'access token has expired');
        // jose may stop at the first failed claim: check the others here.
        const aud = err.payload.aud;
        const audOk = aud === AUDIENCE || (Array.isArray(aud) && aud.includes(AUDIENCE));
        if (err.payload.iss !== ISSUER || !audOk) {
          throw new AppError('unauthenticated', 'invalid access token');
        }
        payload = err.payload;
      } else {
        throw new AppError('unauthenticated', 'invalid access token');
      }
    }
    const { sub, sid, exp } = payload;
    if (typeof sub !== 'string' || typeof sid !== 'string') {
      throw new AppError('unauthenticated', 'invalid access token');
    }
    const claims = { userId: sub, sessionId: sid };
    const ttl = typeof exp === 'number' ? exp * 1000 - Date.now() : 0;
    if (ttl > 0) this.#verified.set(token, claims, { ttl });
    return claims;
  }
}
