/**
 * One Server-Sent Events stream: implements the hub's `Sink` on a raw HTTP response. Every
 * frame is `event: <name>`, `id: <cursor>` (room events and resync only: ephemeral signals carry
 * no id, so they never move the cursor) and `data: <the shared JSON of the broadcast>`. For a
 * single-room stream the whole block is cached on the frame and shared by every such stream.
 *
 * Headers for proxies: `text/event-stream`, `Cache-Control: no-cache, no-transform`,
 * `X-Accel-Buffering: no` (nginx must not buffer), and no compression (nothing compresses it).
 * Frames written in one turn leave together (coalesced-writes.ts). The queue is the response's
 * unsent bytes (`writableLength`). Lifecycle: opened by stream.routes.ts, which also pings every
 * open stream and ends them all on drain; `close` ends the response (the browser's EventSource
 * reconnects with `Last-Event-ID`).
 */
import type { ServerResponse } from 'node:http';
import type { Outbound } from '../realtime/outbound.js';
import type { Sink, Subscription } from '../realtime/subscription.js';
import { backlog, writeCoalesced } from './coalesced-writes.js';
import { encodeCursor } from './sse-cursor.js';

export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
} as const;

export class SseStream implements Sink {
  readonly transport = 'sse' as const;
  sub: Subscription | undefined;
  #ended = false;

  constructor(
    readonly res: ServerResponse,
    readonly userId: string,
    /** Single-room stream: the cursor is the seq. */
    private readonly singleRoom: boolean,
  ) {}

  buffered(): number {
    return backlog(this.res, this.res.writableLength);
  }

  write(frame: Outbound, sub: Subscription): void {
    if (this.#ended) return;
    const carriesCursor = frame.seq !== undefined || frame.name === 'resync';
    if (!carriesCursor) {
      writeCoalesced(
        this.res,
        cached(frame, 'sse:signal', () => `event: ${frame.name}\ndata: ${frame.json}\n\n`),
      );
    } else if (this.singleRoom) {
      // After a resync the position moved; the frame's own seq is the cursor otherwise.
      const seq = frame.seq ?? sub.positions.get(frame.roomId ?? '') ?? 0;
      writeCoalesced(
        this.res,
        cached(
          frame,
          'sse:room',
          () => `event: ${frame.name}\nid: ${seq}\ndata: ${frame.json}\n\n`,
        ),
      );
    } else {
      // Multi-room cursor: everything this client has, including this event.
      if (frame.seq !== undefined && frame.roomId) sub.positions.set(frame.roomId, frame.seq);
      writeCoalesced(
        this.res,
        `event: ${frame.name}\nid: ${encodeCursor(sub)}\ndata: ${frame.json}\n\n`,
      );
    }
  }

  /** A comment or control block outside the hub (ping, errors, retry hint). */
  raw(text: string): void {
    if (!this.#ended) this.res.write(text);
  }

  close(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.res.end();
  }
}

function cached(frame: Outbound, key: string, make: () => string): string {
  let text = frame.cache.get(key);
  if (text === undefined) frame.cache.set(key, (text = make()));
  return text;
}
