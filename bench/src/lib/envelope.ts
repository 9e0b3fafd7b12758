/**
 * The payload the baselines broadcast: the same shape and size as Parley's `message.created`
 * event (API.md "Realtime"), so that every system moves the same bytes per delivery.
 */
import { randomUUID } from 'node:crypto';

export function messageEnvelope(roomId: string, seq: number, text: string): object {
  const at = new Date().toISOString();
  return {
    type: 'event',
    room_id: roomId,
    seq,
    event: 'message.created',
    data: {
      id: randomUUID(),
      room_id: roomId,
      seq,
      author: { id: randomUUID(), username: 'bench_sender', display_name: 'bench sender' },
      content: { type: 'text', text },
      reply_to: null,
      reactions: [],
      created_at: at,
      edited_at: null,
      deleted: false,
    },
    at,
  };
}

/** The text every sender posts: the marker, padded to a typical chat line. */
export function messageText(marker: string, pad = 64): string {
  return marker + 'x'.repeat(Math.max(0, pad));
}
