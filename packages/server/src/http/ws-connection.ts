/**
 * One WebSocket client. Owns its socket; implements the hub's `Sink` (frames are written as the
 * shared pre-built frame of each broadcast, coalesced per turn; the queue is `bufferedAmount`
 * from earlier turns). Lifecycle:
 *   open → (credential at the handshake, or an `auth` frame within AUTH_TIMEOUT_MS) →
 *   authenticate: follow every room of the user, `ready`, presence online, credential watch →
 *   frames, one at a time in arrival order (ws-handlers.ts; `send`s in order per room, rooms
 *   concurrently) → close: leave the hub, presence.
 * Live room events wait from `ready` until the client's first frames are handled (or
 * WS_RESUME_GRACE_MS pass): a `resume` sent right after `ready` then takes effect before any live
 * event is written, so a reconnecting client gets what it missed in order and once
 * (Subscription's "resume window").
 * Inbound frames are rate limited per connection (token bucket); a persistent flood is closed
 * with 4429. Liveness (ping/pong) is driven by the route for all connections with one timer.
 */
import { WS_CLOSE, type ServerFrame } from '@parley/protocol';
import type { Duplex } from 'node:stream';
import type { FastifyBaseLogger } from 'fastify';
import type { RawData, WebSocket } from 'ws';
import type { AppContext } from '../context.js';
import type { Actor } from '../domain/actor.js';
import { AppError } from '../errors.js';
import { Outbound } from '../realtime/outbound.js';
import type { Sink, Subscription } from '../realtime/subscription.js';
import { toAppError } from './error-handler.js';
import { backlog, writeCoalesced } from './coalesced-writes.js';
import { watchCredential, type Authenticated, type CredentialWatch } from './ws-auth.js';
import { decodeFrame } from './ws-frames.js';
import { HANDLERS, type FrameHandler } from './ws-handlers.js';

export const AUTH_TIMEOUT_MS = 10_000;
/** Rejected frames in a row before a flooding client is disconnected. */
const FLOOD_CLOSE_AFTER = 200;

const CLOSE_CODES = {
  slow_consumer: [WS_CLOSE.slowConsumer, 'slow consumer: reconnect and resume'],
  draining: [WS_CLOSE.serviceRestart, 'server restarting: reconnect and resume'],
  removed: [1000, 'no longer a member'],
} as const;

export class WsConnection implements Sink {
  readonly transport = 'ws' as const;
  actor: Actor | undefined;
  sub: Subscription | undefined;
  /** Set by the route's ping timer, cleared by any pong or frame. */
  awaitingPong = false;
  /** room → last typing signal relayed; made on first use (most connections never type). */
  typingAt: Map<string, number> | undefined;
  #watch: CredentialWatch | undefined;
  #authTimer: NodeJS.Timeout | undefined;
  #queue: Promise<void> = Promise.resolve();
  /** room → the last `send` to it still being handled (made on first use). */
  #sends: Map<string, Promise<void>> | undefined;
  /** Frames received and not yet handled. */
  #pending = 0;
  #graceTimer: NodeJS.Timeout | undefined;
  #tokens: number;
  #refilledAt = Date.now();
  #rejected = 0;
  #closed = false;
  /** The upgraded TCP socket under `ws` (set before the connection is handed to us). */
  readonly #raw: Duplex;

  constructor(
    readonly socket: WebSocket,
    readonly ctx: AppContext,
    readonly log: FastifyBaseLogger,
  ) {
    this.#raw = (socket as unknown as { _socket: Duplex })._socket;
    this.#tokens = ctx.config.wsFrameBurst;
    this.#authTimer = setTimeout(() => {
      if (!this.actor) this.fail(new AppError('unauthenticated', 'authenticate within 10 s'));
    }, AUTH_TIMEOUT_MS);
    socket.on('message', (data, isBinary) => this.#onMessage(data, isBinary));
    socket.on('pong', () => (this.awaitingPong = false));
  }

  get userId(): string {
    return this.actor?.id ?? '';
  }

  // ---- Sink ----------------------------------------------------------------------------------

  buffered(): number {
    return backlog(this.#raw, this.socket.bufferedAmount);
  }

  write(frame: Outbound): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    // The broadcast's pre-built frame straight onto the TCP socket (Outbound.wsFrame): safe to
    // interleave with `ws`'s own sends, which are synchronous whole-frame writes without
    // permessage-deflate (off: the server's default, see ws.routes.ts); `bufferedAmount` still
    // counts these bytes, so the slow-consumer limit holds. The frames after a turn's first
    // leave together when the turn ends (coalesced-writes.ts).
    writeCoalesced(this.#raw, frame.wsFrame);
  }

  close(reason: keyof typeof CLOSE_CODES): void {
    const [code, text] = CLOSE_CODES[reason];
    this.socket.close(code, text);
  }

  // ---- frames to this client -----------------------------------------------------------------

  send(frame: ServerFrame): void {
    if (this.sub) this.sub.direct(Outbound.frame(frame));
    else if (this.socket.readyState === this.socket.OPEN) this.socket.send(JSON.stringify(frame));
  }

  error(err: AppError, clientId?: string): void {
    const frame = { type: 'error' as const, code: err.code, message: err.message };
    this.send({
      ...frame,
      ...(clientId === undefined ? {} : { client_id: clientId }),
      ...(err.details === undefined ? {} : { details: err.details }),
    });
  }

  /** Send an error frame, then close with 4401 (credentials) — the client must not retry as is. */
  fail(err: AppError): void {
    this.error(err);
    this.socket.close(WS_CLOSE.unauthenticated, err.message.slice(0, 120));
  }

  // ---- lifecycle -----------------------------------------------------------------------------

  /**
   * Authenticated at the handshake: set up ahead of any frame. Frames that arrive meanwhile (a
   * `resume` sent without waiting for `ready`) queue behind the setup instead of finding no
   * subscription yet.
   */
  start(auth: Authenticated): void {
    this.actor = auth.actor;
    this.#pending += 1;
    this.#queue = this.authenticate(auth)
      .catch((err: unknown) => {
        this.log.error({ err }, 'websocket setup failed');
        this.socket.close(1011, 'setup failed; retry');
      })
      .finally(() => (this.#pending -= 1));
  }

  /** Follow the user's rooms and say `ready`. */
  async authenticate({ actor, credential }: Authenticated): Promise<void> {
    clearTimeout(this.#authTimer);
    // Dropped, not just cleared: the timer and its closure would otherwise live as long as we do.
    this.#authTimer = undefined;
    this.actor = actor;
    const { hub, presence } = this.ctx.realtime;
    const [user, rooms] = await Promise.all([
      this.ctx.users.get(actor, actor.id),
      hub.membership.roomsOf(actor.id),
    ]);
    if (this.#closed) return;
    const sub = hub.connect(this, true);
    this.sub = sub;
    sub.hold();
    await hub.join(
      sub,
      rooms.map((roomId) => ({ roomId })),
    );
    // Closed while joining: dispose() has already left the hub; announcing presence or watching
    // the credential now would outlive the socket.
    if (this.#closed) return;
    this.send({ type: 'ready', user });
    this.#graceTimer = setTimeout(() => {
      this.#graceTimer = undefined;
      // After this turn's I/O: a `resume` already in the socket's buffer is read first.
      setImmediate(() => sub.release());
    }, this.ctx.config.wsResumeGraceMs);
    void presence.connected(sub);
    // Changes arrive as they happen; who is online already, the client learns once, here.
    presence.onlineSnapshot(actor.id).then(
      // Not one TCP write per roommate: the snapshot's frames are coalesced like every write.
      (frames) => frames.forEach((frame) => sub.direct(frame)),
      (err: unknown) => this.log.warn({ err }, 'presence snapshot failed'),
    );
    this.#watch = watchCredential(this.ctx, credential, (err) => this.fail(err));
  }

  /** The socket closed: leave the hub. Idempotent. */
  dispose(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#authTimer);
    this.#authTimer = undefined;
    clearTimeout(this.#graceTimer);
    this.#graceTimer = undefined;
    this.#watch?.stop();
    if (this.sub) {
      this.ctx.realtime.hub.disconnect(this.sub);
      void this.ctx.realtime.presence.disconnected(this.sub);
    }
  }

  #onMessage(data: RawData, isBinary: boolean): void {
    this.awaitingPong = false;
    let frame;
    try {
      if (isBinary) throw new AppError('invalid_request', 'frames are JSON text, not binary');
      frame = decodeFrame(
        Buffer.isBuffer(data)
          ? data.toString('utf8')
          : Buffer.concat(toBuffers(data)).toString('utf8'),
      );
    } catch (err) {
      return this.#take() ? this.error(toAppError(err as Error)) : undefined;
    }
    const clientId = frame.type === 'send' ? frame.client_id : undefined;
    // Limited after decoding, so a refused `send` names its client_id and the client can retry it.
    if (!this.#take(clientId)) return;
    const handler = HANDLERS[frame.type] as FrameHandler;
    this.#pending += 1;
    const handled = (before: Promise<unknown>): Promise<void> =>
      before
        .then(() => (this.#closed ? undefined : handler(this, frame)))
        .catch((err: unknown) => {
          const appErr = toAppError(err as Error);
          if (appErr.status >= 500) this.log.error({ err }, 'websocket frame failed');
          this.error(appErr, clientId);
        })
        .finally(() => {
          this.#pending -= 1;
          // The resume window ends once the client's frames so far are handled; `auth` itself
          // does not count (the client sends `resume` after it, or after `ready`).
          if (this.#pending === 0 && frame.type !== 'auth') this.#endGrace();
        });
    if (frame.type === 'send') {
      // After the frames before it (`auth`) and the previous send to the same room, so a room's
      // messages commit in the order they were sent; sends to other rooms do not wait for it (a
      // bot posting to many rooms over one socket is not one commit at a time).
      const sends = (this.#sends ??= new Map());
      const room = frame.room_id.toLowerCase(); // one room, however its uuid is spelled
      const done = handled(Promise.all([this.#queue, sends.get(room)]));
      sends.set(room, done);
      void done.then(() => {
        if (sends.get(room) === done) sends.delete(room);
      });
      return;
    }
    // Other frames one at a time, in order: a `resume` sent right behind `auth` (without
    // waiting for `ready`) sees the authenticated state; frames that need it check it when
    // handled.
    this.#queue = handled(this.#queue);
  }

  #endGrace(): void {
    if (!this.#graceTimer) return;
    clearTimeout(this.#graceTimer);
    this.#graceTimer = undefined;
    this.sub?.release();
  }

  /** Token bucket: WS_FRAMES_PER_S sustained, WS_FRAME_BURST at once. */
  #take(clientId?: string): boolean {
    const { wsFramesPerS, wsFrameBurst } = this.ctx.config;
    const now = Date.now();
    this.#tokens = Math.min(
      wsFrameBurst,
      this.#tokens + ((now - this.#refilledAt) / 1000) * wsFramesPerS,
    );
    this.#refilledAt = now;
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      this.#rejected = 0;
      return true;
    }
    this.#rejected += 1;
    // Every refused send is answered (its sender waits for it); other frames once per burst.
    if (this.#rejected === 1 || clientId !== undefined)
      this.error(
        new AppError('rate_limited', `more than ${wsFramesPerS} frames/s; slow down`, {
          retry_after_ms: Math.ceil(1000 / wsFramesPerS),
        }),
        clientId,
      );
    if (this.#rejected >= FLOOD_CLOSE_AFTER) this.socket.close(WS_CLOSE.rateLimited, 'flooding');
    return false;
  }
}

function toBuffers(data: RawData): Buffer[] {
  return Array.isArray(data) ? data : [Buffer.from(data as ArrayBuffer)];
}
