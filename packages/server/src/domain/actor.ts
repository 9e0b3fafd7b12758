import type { Role } from '@parley/protocol';

/**
 * Who is acting. Every domain operation takes one and checks its rights itself (authorisation
 * lives in the domain, not only in routes). Transports build it from a verified credential.
 */
export interface Actor {
  id: string;
  username: string;
  role: Role;
  /** The login session behind an access token or cookie; undefined for personal API tokens. */
  sessionId?: string;
}

export const isAdmin = (actor: Actor): boolean => actor.role === 'admin';
export const isGuest = (actor: Actor): boolean => actor.role === 'guest';
