/**
 * A frame encoded once per broadcast (STYLE.md principle 6): the JSON text is produced when the
 * frame is created (or taken verbatim from the broker) and its UTF-8 bytes at most once, then the
 * same string/buffer is written to every recipient. Transports add their own framing around it
 * (a WebSocket text frame, an SSE `event:`/`id:`/`data:` block) without re-serialising.
 */
import type { RoomEvent } from '@parley/protocol';
import type { Transport } from '../observability/metrics.js';

export class Outbound {
  #bytes: Buffer | undefined;
  #wsFrame: Buffer | undefined;
  /**
   * Live writes of this event on this node, per transport: counted by the subscriptions during
   * the fan-out loop (one increment each) and recorded as metrics once per broadcast by the hub
   * — a prom-client update per recipient cost ~4% of fan-out CPU.
   */
  liveWrites: Partial<Record<Transport, number>> | undefined;
  #committedAtMs: number | undefined;
  /** Per-transport encodings shared by all recipients (e.g. an SSE block with a per-room id). */
  readonly cache = new Map<string, string>();

  private constructor(
    /** The SSE event name: the room event type (`message.created`) or the frame type. */
    readonly name: string,
    readonly json: string,
    readonly roomId: string | undefined,
    /** Set for room events only: the room's seq, the resume cursor. */
    readonly seq: number | undefined,
    /** The user who caused a signal (typing is not echoed to that user's own sockets). */
    readonly fromUser: string | undefined,
    /** The decoded event, for hub-side decisions (membership changes); never re-serialised. */
    readonly event: RoomEvent | undefined,
  ) {}

  static event(event: RoomEvent, json = JSON.stringify(event)): Outbound {
    return new Outbound(event.event, json, event.room_id, event.seq, undefined, event);
  }

  /** Any other server frame (typing, read, presence, resync, ack, error, ready, pong…). */
  static frame<F extends { type: string; room_id?: string; user_id?: string }>(
    frame: F,
    json = JSON.stringify(frame),
  ): Outbound {
    return new Outbound(frame.type, json, frame.room_id, undefined, frame.user_id, undefined);
  }

  /** When a room event was committed (epoch ms), parsed once for all recipients. */
  get committedAtMs(): number | undefined {
    if (!this.event) return undefined;
    return (this.#committedAtMs ??= Date.parse(this.event.at));
  }

  countLiveWrite(transport: Transport): void {
    const writes = (this.liveWrites ??= {});
    writes[transport] = (writes[transport] ?? 0) + 1;
  }

  get bytes(): Buffer {
    return (this.#bytes ??= Buffer.from(this.json, 'utf8'));
  }

  /**
   * The whole WebSocket text frame (RFC 6455 §5.2: FIN, opcode 1, unmasked as server frames are,
   * then the payload), built once and written as is to every recipient's socket. `ws`'s `send`
   * would frame the same payload again per recipient: a header allocation, an options object and
   * two writes each; fan-out to 1,000 sockets spent a large share of its time there.
   */
  get wsFrame(): Buffer {
    return (this.#wsFrame ??= wsTextFrame(this.bytes));
  }
}

export function wsTextFrame(payload: Buffer): Buffer {
  const n = payload.length;
  const headerLength = n < 126 ? 2 : n < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerLength + n);
  frame[0] = 0x81; // FIN + text
  if (n < 126) frame[1] = n;
  else if (n < 65_536) {
    frame[1] = 126;
    frame.writeUInt16BE(n, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(Math.floor(n / 2 ** 32), 2);
    frame.writeUInt32BE(n >>> 0, 6);
  }
  payload.copy(frame, headerLength);
  return frame;
}
