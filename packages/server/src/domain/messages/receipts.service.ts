/**
 * Read receipts and unread counts. `markRead` is what both `POST /rooms/:id/read` and the
 * WebSocket `read` frame call; when the position moves it also broadcasts the ephemeral `read`
 * signal to the room (so transports must not send another).
 */
import type { ReadState } from '@parley/protocol';
import { invalid } from '../../errors.js';
import type { Actor } from '../actor.js';
import type { ChatDeps } from '../rooms/chat-deps.js';
import { requireRoom } from '../rooms/room-access.js';
import { countUnread } from '../rooms/room.repository.js';
import { advanceReadPosition } from './receipt.repository.js';

export class ReceiptService {
  constructor(private readonly deps: ChatDeps) {}

  /** Moves the caller's read position forward to `seq` (never backwards) and counts what is left. */
  async markRead(actor: Actor, roomId: string, seq: number): Promise<ReadState> {
    if (!Number.isSafeInteger(seq) || seq < 0)
      throw invalid('seq must be a non-negative integer', [
        { field: 'seq', message: 'must be a non-negative integer' },
      ]);
    const { pool } = this.deps;
    const room = await requireRoom(pool, actor, roomId, 'member');
    const position = await advanceReadPosition(pool, room.id, actor.id, seq);
    // Undefined only if the caller left between the two statements: their position is gone.
    const last_read_seq = position ?? 0;
    if (last_read_seq > (room.last_read_seq ?? 0))
      this.deps.signalRead(room.id, actor.id, last_read_seq);
    return {
      last_read_seq,
      unread_count: await countUnread(pool, room.id, actor.id, last_read_seq),
    };
  }
}
