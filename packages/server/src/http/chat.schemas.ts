/** Schemas shared by the rooms, messages and search routes. */
import { Type } from '@sinclair/typebox';
import { ErrorResponse } from './schemas.js';

export const chatErrors = {
  400: ErrorResponse,
  401: ErrorResponse,
  403: ErrorResponse,
  404: ErrorResponse,
  409: ErrorResponse,
};

export const security: Record<string, string[]>[] = [{ bearer: [] }, { cookie: [] }];

// Ids are opaque strings: anything malformed is simply "not found" (the domain checks), so the
// schema only bounds the length.
const Id = (description: string) => Type.String({ maxLength: 64, description });

export const RoomParams = Type.Object({ room_id: Id('room id') });
export const MessageParams = Type.Object({ id: Id('message id') });
export const MemberParams = Type.Object({ room_id: Id('room id'), user_id: Id('user id') });
export const ReactionParams = Type.Object({
  id: Id('message id'),
  emoji: Type.String({
    minLength: 1,
    maxLength: 64,
    description: 'one emoji (URL-encoded) or a short :name:',
  }),
});

export const NoContent = Type.Null({ description: 'No content' });

/** Aborts when the client goes away before the response is sent (ends a long-poll wait). */
export function abortOnClose(raw: {
  on(event: 'close', fn: () => void): unknown;
  writableFinished: boolean;
}): AbortSignal {
  const controller = new AbortController();
  raw.on('close', () => {
    if (!raw.writableFinished) controller.abort();
  });
  return controller.signal;
}
