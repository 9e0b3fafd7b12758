/**
 * Builds the room and message services around one shared set of dependencies (see
 * rooms/chat-deps.ts). app.ts calls this once; transports receive the result through AppContext.
 */
import type { Pool } from '../../db/pool.js';
import type { CacheRead } from '../../observability/metrics.js';
import type { EventPublisher } from '../event-log.js';
import type { ChatDeps, RoomWaiter } from '../rooms/chat-deps.js';
import { DmService } from '../rooms/dm.service.js';
import { MembershipService } from '../rooms/membership.service.js';
import { RoomService } from '../rooms/room.service.js';
import { HistoryBlocks } from './history-blocks.js';
import { HistoryCache } from './history-cache.js';
import { HistoryService } from './history.service.js';
import { MessageService } from './message.service.js';
import { listRangeRendered } from './rendered-page.repository.js';
import { ReactionService } from './reaction.service.js';
import { ReceiptService } from './receipts.service.js';
import { SearchService } from './search.service.js';
import { TokenBucketLimiter, type SendRateLimiter } from './send-rate-limiter.js';

export interface ChatServices {
  rooms: RoomService;
  members: MembershipService;
  dms: DmService;
  messages: MessageService;
  history: HistoryService;
  receipts: ReceiptService;
  reactions: ReactionService;
  search: SearchService;
  historyCache: HistoryCache;
  historyBlocks: HistoryBlocks;
}

export interface ChatWiring {
  pool: Pool;
  config: ChatDeps['config'];
  /** Read at publish time, so the realtime hub can be plugged in after the services exist. */
  events: () => EventPublisher;
  waiter: () => RoomWaiter | undefined;
  signalRead?: ChatDeps['signalRead'];
  limiter?: SendRateLimiter;
  /** Told how each older-history block a page needed was found (app.ts: metrics). */
  onHistoryBlock?: (read: CacheRead) => void;
}

export function createChatServices(w: ChatWiring): ChatServices {
  const historyCache = new HistoryCache(w.config.historyCacheRooms, w.config.historyCacheMessages);
  const historyBlocks = new HistoryBlocks(
    w.config.historyBlockCacheMb * 1024 * 1024,
    (roomId, from, to) => listRangeRendered(w.pool, roomId, from, to),
    w.onHistoryBlock,
  );
  const deps: ChatDeps = {
    pool: w.pool,
    config: w.config,
    waiter: w.waiter,
    signalRead: w.signalRead ?? (() => undefined),
    publish(changes) {
      for (const c of changes) historyCache.apply(c.event.room_id, c.event.seq, c.message);
      w.events().publish(changes.map((c) => c.event));
    },
  };
  const limiter =
    w.limiter ?? new TokenBucketLimiter(w.config.rateLimitSendPerS, w.config.rateLimitSendBurst);
  return {
    rooms: new RoomService(deps),
    members: new MembershipService(deps),
    dms: new DmService(deps),
    messages: new MessageService(deps, limiter),
    history: new HistoryService(deps, historyCache, historyBlocks),
    receipts: new ReceiptService(deps),
    reactions: new ReactionService(deps),
    search: new SearchService(deps),
    historyCache,
    historyBlocks,
  };
}
