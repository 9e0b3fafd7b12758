/**
 * The ordered list of migrations. Add a file `NNNN-name.ts` exporting `sql` and list it here;
 * never edit one that has shipped. Stay within PostgreSQL 15 features (DESIGN.md).
 */
import * as initial from './0001-initial.js';
import * as identity from './0002-identity.js';
import * as roomsMessages from './0003-rooms-messages.js';
import * as serverSecrets from './0006-server-secrets.js';
import * as eventsRetention from './0007-events-retention.js';
import * as authNotify from './0008-auth-notify.js';
import * as reactionCount from './0009-reaction-count.js';
import * as apiTokenNotify from './0010-api-token-notify.js';
import * as historyRevisions from './0011-history-revisions.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'initial', sql: initial.sql },
  { version: 2, name: 'identity', sql: identity.sql },
  { version: 3, name: 'rooms-messages', sql: roomsMessages.sql },
  { version: 6, name: 'server-secrets', sql: serverSecrets.sql },
  { version: 7, name: 'events-retention', sql: eventsRetention.sql },
  { version: 8, name: 'auth-notify', sql: authNotify.sql },
  { version: 9, name: 'reaction-count', sql: reactionCount.sql },
  { version: 10, name: 'api-token-notify', sql: apiTokenNotify.sql },
  { version: 11, name: 'history-revisions', sql: historyRevisions.sql },
];
