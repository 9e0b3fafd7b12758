/**
 * `GET /search`: messages the caller may read — every room they are a member of, or one room
 * they can see (a public channel counts) — ranked, with the matches highlighted.
 */
import type { SearchResult } from '@parley/protocol';
import { invalid } from '../../errors.js';
import type { Actor } from '../actor.js';
import type { ChatDeps } from '../rooms/chat-deps.js';
import { requireRoom } from '../rooms/room-access.js';
import { findMessages } from './message.repository.js';
import { foldCase } from './content.js';
import { highlight } from './highlight.js';
import { searchMessageIds } from './search.repository.js';
import { toWire } from './stored-message.js';

export const MAX_QUERY_LENGTH = 200;
export const MAX_SEARCH_LIMIT = 100;

export class SearchService {
  constructor(private readonly deps: Pick<ChatDeps, 'pool'>) {}

  async search(
    actor: Actor,
    input: { q: string; roomId?: string; limit?: number },
  ): Promise<SearchResult[]> {
    const q = input.q.trim();
    if (q.length > MAX_QUERY_LENGTH || !/[\p{L}\p{N}]/u.test(q))
      throw invalid('q must contain a word to search for', [
        {
          field: 'querystring.q',
          message: `must contain a word (at most ${MAX_QUERY_LENGTH} characters)`,
        },
      ]);
    const limit = input.limit ?? 20;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SEARCH_LIMIT)
      throw invalid(`limit must be from 1 to ${MAX_SEARCH_LIMIT}`, [
        { field: 'querystring.limit', message: `must be an integer from 1 to ${MAX_SEARCH_LIMIT}` },
      ]);
    const { pool } = this.deps;
    const room =
      input.roomId === undefined ? null : await requireRoom(pool, actor, input.roomId, 'read');
    const ids = await searchMessageIds(pool, {
      foldedQuery: foldCase(q),
      userId: actor.id,
      roomId: room?.id ?? null,
      limit,
    });
    const byId = new Map((await findMessages(pool, ids)).map((m) => [m.id, m]));
    return ids.flatMap((id) => {
      const message = byId.get(id);
      if (!message?.content) return [];
      const text =
        message.content.type === 'text'
          ? message.content.text
          : message.content.type === 'image'
            ? (message.content.alt ?? '')
            : '';
      return [{ message: toWire(message, actor.id), highlight: highlight(text, q) }];
    });
  }
}
