/**
 * What the realtime layer reads from PostgreSQL: the event log (catch-up and resume), each room's
 * `last_seq` (reconciliation) and memberships (which rooms a connection follows). Only this file
 * touches SQL for realtime.
 */
import type { RoomEvent } from '@parley/protocol';
import type { Queryable } from '../db/pool.js';
import { readEvents } from '../domain/event-log.js';
import { isUuid } from '../domain/ids.js';

export interface EventLogReader {
  eventsAfter(roomId: string, afterSeq: number, limit: number): Promise<RoomEvent[]>;
  /** `rooms.last_seq` for each existing room among `roomIds`. */
  lastSeqs(roomIds: readonly string[]): Promise<Map<string, number>>;
  /** The rooms (not archived) each user is a member of. */
  memberships(userIds: readonly string[]): Promise<Map<string, string[]>>;
  /** For each of `userIds`, those of `among` who share a (not archived) room with them. */
  roommates(userIds: readonly string[], among: readonly string[]): Promise<Map<string, string[]>>;
}

export function eventLogReader(db: Queryable): EventLogReader {
  return {
    eventsAfter: (roomId, afterSeq, limit) => readEvents(db, roomId, afterSeq, limit),

    async lastSeqs(roomIds) {
      const out = new Map<string, number>();
      if (roomIds.length === 0) return out;
      const { rows } = await db.query<{ id: string; last_seq: number }>(
        'SELECT id, last_seq FROM rooms WHERE id = ANY($1::uuid[])',
        [roomIds.filter(isUuid)],
      );
      for (const r of rows) out.set(r.id, r.last_seq);
      return out;
    },

    async memberships(userIds) {
      const out = new Map<string, string[]>(userIds.map((u) => [u, []]));
      if (userIds.length === 0) return out;
      const { rows } = await db.query<{ user_id: string; room_id: string }>(
        `SELECT m.user_id, m.room_id FROM room_members m JOIN rooms r ON r.id = m.room_id
         WHERE m.user_id = ANY($1::uuid[]) AND r.archived_at IS NULL`,
        [userIds.filter(isUuid)],
      );
      for (const r of rows) out.get(r.user_id)?.push(r.room_id);
      return out;
    },

    async roommates(userIds, among) {
      const out = new Map<string, string[]>(userIds.map((u) => [u, []]));
      const users = userIds.filter(isUuid);
      const candidates = among.filter(isUuid);
      if (users.length === 0 || candidates.length === 0) return out;
      const { rows } = await db.query<{ user_id: string; other_id: string }>(
        `SELECT DISTINCT mine.user_id, other.user_id AS other_id FROM room_members mine
         JOIN rooms r ON r.id = mine.room_id AND r.archived_at IS NULL
         JOIN room_members other ON other.room_id = mine.room_id
         WHERE mine.user_id = ANY($1::uuid[]) AND other.user_id = ANY($2::uuid[])
           AND other.user_id <> mine.user_id`,
        [users, candidates],
      );
      for (const r of rows) out.get(r.user_id)?.push(r.other_id);
      return out;
    },
  };
}
