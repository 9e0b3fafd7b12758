/**
 * What each role may do, in one table, so every domain operation authorises with one call at its
 * top: `requirePermission(actor, 'room.create')`. Room-level rights (owner, moderator) live with
 * rooms; these are the account-level ones.
 */
import type { Role } from '@parley/protocol';
import { AppError } from '../../errors.js';
import type { Actor } from '../actor.js';

export type Permission =
  'room.create' | 'dm.create' | 'api_token.create' | 'password.change' | 'admin';

const GRANTS: Record<Role, ReadonlySet<Permission>> = {
  admin: new Set(['room.create', 'dm.create', 'api_token.create', 'password.change', 'admin']),
  member: new Set(['room.create', 'dm.create', 'api_token.create', 'password.change']),
  // Guests can read, post and react in rooms they are in; they cannot create rooms or tokens.
  guest: new Set(['dm.create']),
};

export const can = (actor: Actor, permission: Permission): boolean =>
  GRANTS[actor.role].has(permission);

export function requirePermission(actor: Actor, permission: Permission): void {
  if (!can(actor, permission)) {
    throw new AppError(
      'forbidden',
      actor.role === 'guest'
        ? 'guests may not do that; register an account'
        : 'you may not do that',
    );
  }
}

/**
 * Operations that mint or change credentials need a login session (access token or cookie), not
 * a personal API token: a leaked bot token must not be able to outlive its own revocation.
 */
export function requireSession(actor: Actor): void {
  if (!actor.sessionId) {
    throw new AppError('forbidden', 'this operation needs a login session, not an API token');
  }
}
