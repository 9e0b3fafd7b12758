/**
 * Access tokens remember the tokens they verified (access-token.ts): the cache skips only the
 * signature check, and never outlives a token's `exp`.
 */
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { AccessTokens } from '../src/domain/auth/access-token.js';

const claims = {
  userId: '11111111-1111-4111-8111-111111111111',
  sessionId: '22222222-2222-4222-8222-222222222222',
};

describe('access token verification cache', () => {
  it('answers a verified token again, and refuses it once it has expired', async () => {
    const tokens = new AccessTokens('a test secret of reasonable length', 1);
    const token = await tokens.sign(claims);
    expect(await tokens.verify(token)).toEqual(claims);
    expect(await tokens.verify(token)).toEqual(claims); // from the cache
    const expMs = (decodeJwt(token).exp ?? 0) * 1000;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, expMs - Date.now()) + 50));
    await expect(tokens.verify(token)).rejects.toMatchObject({ code: 'token_expired' });
    // Logout may still name the session of an expired token; that answer is not cached either.
    expect(await tokens.verify(token, { allowExpired: true })).toEqual(claims);
    await expect(tokens.verify(token)).rejects.toMatchObject({ code: 'token_expired' });
  });

  it('never caches a token it refused', async () => {
    const tokens = new AccessTokens('a test secret of reasonable length', 60);
    const other = new AccessTokens('another secret, not the server one', 60);
    const forged = await other.sign(claims);
    await expect(tokens.verify(forged)).rejects.toMatchObject({ code: 'unauthenticated' });
    await expect(tokens.verify(forged)).rejects.toMatchObject({ code: 'unauthenticated' });
  });
});
