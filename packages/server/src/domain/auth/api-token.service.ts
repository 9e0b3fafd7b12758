/**
 * Personal API tokens for bots and scripts: created, listed and revoked by their owner only.
 * The token text exists once, in the creation response; afterwards only its hash does.
 */
import type { ApiToken, CreatedApiToken } from '@parley/protocol';
import type { Config } from '../../config.js';
import type { Pool } from '../../db/pool.js';
import { AppError, notFound } from '../../errors.js';
import type { Actor } from '../actor.js';
import { isUuid } from '../ids.js';
import { normalizeDisplayName } from '../users/user.rules.js';
import * as repo from './api-token.repository.js';
import { hashToken, newToken } from './credentials.js';
import { requirePermission, requireSession } from './permissions.js';
import { ended, type Forget } from './credential-cache.js';

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export class ApiTokenService {
  constructor(
    private readonly pool: Pool,
    private readonly config: Pick<Config, 'apiTokensMaxPerUser'>,
    /** Told what this node revoked, after the commit and before answering (credential-cache.ts). */
    private readonly forget: Forget = () => undefined,
  ) {}

  async create(
    actor: Actor,
    input: { name: string; expires_in_days?: number | undefined },
  ): Promise<CreatedApiToken> {
    requirePermission(actor, 'api_token.create');
    requireSession(actor);
    const name = normalizeDisplayName(input.name, 'name');
    const days = input.expires_in_days;
    if (days !== undefined && (!Number.isInteger(days) || days < 1 || days > 3650)) {
      throw new AppError('invalid_request', 'expires_in_days must be 1–3650', [
        { field: 'expires_in_days', message: 'must be an integer from 1 to 3650' },
      ]);
    }
    // A soft cap (a concurrent burst may pass it by a few): it bounds abuse, not correctness.
    if ((await repo.countActiveApiTokens(this.pool, actor.id)) >= this.config.apiTokensMaxPerUser) {
      throw new AppError(
        'conflict',
        `you have ${this.config.apiTokensMaxPerUser} active tokens; revoke one first`,
      );
    }
    const token = newToken('api');
    const row = await repo.insertApiToken(this.pool, {
      userId: actor.id,
      name,
      hash: hashToken(token),
      expiresInDays: days,
    });
    return {
      id: row.id,
      name: row.name,
      token,
      created_at: row.created_at.toISOString(),
      expires_at: iso(row.expires_at),
    };
  }

  async list(actor: Actor): Promise<ApiToken[]> {
    const rows = await repo.listApiTokens(this.pool, actor.id);
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      created_at: r.created_at.toISOString(),
      expires_at: iso(r.expires_at),
      last_used_at: iso(r.last_used_at),
    }));
  }

  /** Someone else's token, an unknown id and an already revoked one all answer 404. */
  async revoke(actor: Actor, id: string): Promise<void> {
    const done = isUuid(id) && (await repo.revokeApiToken(this.pool, id, actor.id));
    if (!done) throw notFound('token');
    this.forget(ended.token(id));
  }
}
