/**
 * Keeps membership-following subscriptions (WebSocket, `/stream`) in step with room membership:
 * a `member.joined` for a user subscribes that user's connections on every node (through the
 * user topic) from the join event on; a `member.left` delivers the event and then unsubscribes
 * (a kicked user stops receiving at once). Every `everyTicks` reconciliation ticks the followed
 * users' memberships are re-read, which repairs a join notice lost with a crashed node.
 */
import type { Logger } from 'pino';
import { BatchedLookup } from '../db/batch-queue.js';
import type { Hub } from './hub.js';
import type { EventLogReader } from './log.repository.js';
import type { Outbound } from './outbound.js';
import type { RoomChannel } from './room-channel.js';

export class Membership {
  #ticks = 0;
  /**
   * Connections arriving together (a node restart reconnects everyone) share one memberships
   * query per batch of users; each still sees every commit made before it asked.
   */
  readonly #rooms: BatchedLookup<string, string[]>;

  constructor(
    private readonly hub: Hub,
    private readonly reader: EventLogReader,
    private readonly log: Logger,
    private readonly everyTicks = 10,
  ) {
    this.#rooms = new BatchedLookup(
      (userIds) => reader.memberships(userIds),
      (id) => id,
      64,
    );
  }

  /** The rooms (not archived) the user is a member of now. */
  async roomsOf(userId: string): Promise<string[]> {
    return (await this.#rooms.load(userId)) ?? [];
  }

  /** `userId` joined `roomId` with event `seq`: follow it from that event on. */
  joined(userId: string, roomId: string, seq: number): void {
    for (const sub of this.hub.users.get(userId) ?? []) {
      if (!sub.followsMembership || sub.channels.has(roomId)) continue;
      this.hub.join(sub, [{ roomId, from: seq - 1 }]).catch((err: unknown) => {
        this.log.warn({ err, room_id: roomId }, 'following a joined room failed; will retry');
      });
    }
  }

  /** Called after a channel delivered `frame`. */
  onEvent(ch: RoomChannel, frame: Outbound): void {
    if (frame.event?.event !== 'member.left') return;
    const userId = (frame.event.data as { user?: { id?: string } } | undefined)?.user?.id;
    for (const sub of [...ch.subs]) {
      if (sub.userId !== userId) continue;
      this.hub.leave(sub, ch.id);
      if (!sub.followsMembership && sub.channels.size === 0) sub.sink.close('removed');
    }
  }

  async tick(): Promise<void> {
    if (++this.#ticks % this.everyTicks !== 0) return;
    const followed = [...this.hub.users.entries()].filter(([, subs]) =>
      [...subs].some((s) => s.followsMembership),
    );
    if (followed.length === 0) return;
    try {
      const rooms = await this.reader.memberships(followed.map(([userId]) => userId));
      for (const [userId, subs] of followed) {
        const member = new Set(rooms.get(userId) ?? []);
        for (const sub of subs) {
          if (!sub.followsMembership || sub.closed) continue;
          for (const roomId of sub.channels.keys())
            if (!member.has(roomId)) this.hub.leave(sub, roomId);
          const missing = [...member].filter((r) => !sub.channels.has(r));
          if (missing.length > 0)
            await this.hub.join(
              sub,
              missing.map((roomId) => ({ roomId })),
            );
        }
      }
    } catch (err) {
      this.log.warn({ err }, 'membership reconciliation failed; retrying later');
    }
  }
}
