/**
 * What the room and message services share, wired once by `createChatServices`.
 *
 * Lifecycle of a write: a service runs one transaction that makes the change and appends its
 * event(s) to the room's log; after COMMIT (never before: nothing unacknowledged may be seen) it
 * calls `publish`, which updates this node's hot-history cache and hands the events to the
 * realtime hub. Losing that publish costs latency only: the log is the truth.
 */
import type { RoomEvent } from '@parley/protocol';
import type { Config } from '../../config.js';
import type { Pool } from '../../db/pool.js';
import type { StoredMessage } from '../messages/stored-message.js';

export interface CommittedChange {
  event: RoomEvent;
  /** The message as the event left it (message.* and reaction.* events), for the local cache. */
  message?: StoredMessage;
}

/**
 * Long-polling seam (owned by the realtime hub): resolves once the room has an event with
 * `seq > afterSeq`, or after `timeoutMs`, or when `signal` aborts — whichever comes first. It never
 * rejects. Without one, `wait=` answers at once.
 */
export interface RoomWaiter {
  waitFor(
    roomId: string,
    afterSeq: number,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<unknown>;
}

export interface ChatDeps {
  pool: Pool;
  config: Pick<
    Config,
    | 'rateLimitSendPerS'
    | 'rateLimitSendBurst'
    | 'historyCacheRooms'
    | 'historyCacheMessages'
    | 'historyBlockCacheMb'
  >;
  publish(changes: readonly CommittedChange[]): void;
  /** Read at call time: the hub may be wired after the services are built. */
  waiter(): RoomWaiter | undefined;
  /** Broadcasts the ephemeral "user read up to seq" signal (no seq of its own, not logged). */
  signalRead(roomId: string, userId: string, seq: number): void;
}
