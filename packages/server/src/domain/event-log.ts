/**
 * The per-room event log (DESIGN.md principle 1). `appendEvent` must run inside the transaction
 * that makes the change it records: it bumps `rooms.last_seq` (the row lock serialises writers to
 * one room, so seqs are gap-free and unique) and inserts the `events` row with that seq. After the
 * transaction commits, the caller hands the returned events to an `EventPublisher`.
 */
import type { EventType, RoomEvent } from '@parley/protocol';
import type { Queryable } from '../db/pool.js';

export async function appendEvent<D>(
  tx: Queryable,
  roomId: string,
  event: EventType,
  data: D,
): Promise<RoomEvent<D>> {
  const { rows } = await tx.query<{ seq: number; at: Date }>(
    `WITH bumped AS (UPDATE rooms SET last_seq = last_seq + 1 WHERE id = $1 RETURNING last_seq)
     INSERT INTO events (room_id, seq, type, payload)
     SELECT $1, last_seq, $2, $3 FROM bumped
     RETURNING seq, created_at AS at`,
    [roomId, event, JSON.stringify(data)],
  );
  const row = rows[0];
  if (!row) throw new Error(`appendEvent: room ${roomId} does not exist`);
  return { type: 'event', room_id: roomId, seq: row.seq, event, data, at: row.at.toISOString() };
}

/** Reads events after `afterSeq` for catch-up and resume, oldest first. */
export async function readEvents(
  db: Queryable,
  roomId: string,
  afterSeq: number,
  limit: number,
): Promise<RoomEvent[]> {
  const { rows } = await db.query<{
    seq: number;
    type: RoomEvent['event'];
    payload: unknown;
    created_at: Date;
  }>(
    `SELECT seq, type, payload, created_at FROM events
     WHERE room_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
    [roomId, afterSeq, limit],
  );
  return rows.map((r) => ({
    type: 'event',
    room_id: roomId,
    seq: r.seq,
    event: r.type,
    data: r.payload,
    at: r.created_at.toISOString(),
  }));
}

/**
 * Where committed events go for delivery. Implemented by the realtime hub (in-process) and the
 * broker adapters (Redis). Publishing is fire-and-forget on purpose: the event is already durable,
 * and a lost publish costs latency (subscribers catch up from the log), never data.
 */
export interface EventPublisher {
  publish(events: readonly RoomEvent[]): void;
}
