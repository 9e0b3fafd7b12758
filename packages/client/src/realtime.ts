/**
 * `RealtimeConnection`: one WebSocket to `/api/v1/ws` that survives the network.
 *
 * Lifecycle: connect → authenticate with a first `auth` frame (or the session cookie) → `ready`
 * → `resume` with the last seq seen per room → flush unacknowledged sends. On close or silence it
 * reconnects with jittered backoff and does the same again, so events missed while away are
 * replayed by the server from its log. Per room it delivers events in seq order exactly once:
 * duplicates (seq ≤ position) are dropped; a gap (seq > position + 1) asks the server to resume
 * that room instead of delivering out of order. `resync` means the server could not replay: the
 * app reloads the room over REST and calls `setPosition`.
 *
 * Sends are idempotent: each carries a `client_id`, kept until its `ack`, and re-sent after every
 * reconnect, so a message written while offline is delivered once when the connection returns.
 */
import type { Content, Message, RoomEvent, User } from '@parley/protocol';
import { backoffDelay, newIdempotencyKey } from './backoff.js';

export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';

/** Server → client frames (API.md "WebSocket"). */
export type ServerFrame =
  | RoomEvent
  | { type: 'ready'; user: User }
  | { type: 'ack'; client_id: string; message: Message }
  | { type: 'typing'; room_id: string; user_id: string }
  | { type: 'presence'; user_id: string; status: 'online' | 'offline' }
  | { type: 'read'; room_id: string; user_id: string; seq: number }
  | { type: 'resync'; room_id: string; reason: string }
  | { type: 'error'; code: string; message: string; client_id?: string }
  | { type: 'pong' };

export interface RealtimeEvents {
  event: RoomEvent;
  ready: User;
  typing: { room_id: string; user_id: string };
  presence: { user_id: string; status: 'online' | 'offline' };
  read: { room_id: string; user_id: string; seq: number };
  resync: { room_id: string; reason: string };
  error: { code: string; message: string };
  state: ConnectionState;
}

interface MinimalSocket {
  readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}
/**
 * Any WHATWG-style WebSocket class: the browser's, Node 22's global, or the `ws` package. Typed
 * loosely on purpose — their event types differ — and used only through `MinimalSocket`.
 */
export type WebSocketCtor = new (url: string) => object;

export interface RealtimeOptions {
  /** The server's base URL (http/https); the socket URL is derived from it. */
  baseUrl: string;
  /** Current access or API token; called on every (re)connect so refreshed tokens are used. */
  getToken?: () => string | undefined | Promise<string | undefined>;
  /** Called after the server rejects the credentials (close 4401); resolve to retry, reject to stop. */
  onAuthFailure?: () => Promise<void>;
  /** WebSocket implementation; defaults to the platform's (browsers, Node 22+). Pass `ws` on Node 20. */
  WebSocket?: WebSocketCtor;
  /** Known positions to resume from (room id → last seq seen). */
  positions?: Record<string, number>;
  /** A socket silent for this long is considered dead and replaced. */
  heartbeatMs?: number;
}

interface PendingSend {
  frame: string;
  /** Times the server refused it for pace (rate_limited); drives the retry backoff. */
  attempts: number;
  resolve: (m: Message) => void;
  reject: (e: Error) => void;
}

type Listener<K extends keyof RealtimeEvents> = (payload: RealtimeEvents[K]) => void;

const OPEN = 1;

export class RealtimeConnection {
  state: ConnectionState = 'connecting';
  user: User | undefined;
  readonly positions = new Map<string, number>();
  #socket: MinimalSocket | undefined;
  #attempt = 0;
  #stopped = false;
  #pending = new Map<string, PendingSend>();
  #listeners = new Map<keyof RealtimeEvents, Set<Listener<never>>>();
  #lastHeard = Date.now();
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  #reconnectTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly options: RealtimeOptions) {
    for (const [room, seq] of Object.entries(options.positions ?? {}))
      this.positions.set(room, seq);
    void this.#connect();
  }

  on<K extends keyof RealtimeEvents>(type: K, listener: Listener<K>): () => void {
    let set = this.#listeners.get(type);
    if (!set) this.#listeners.set(type, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Room events as an async iterator (ends when the connection is closed). */
  async *events(): AsyncGenerator<RoomEvent> {
    const queue: RoomEvent[] = [];
    let wake: (() => void) | undefined;
    const off = this.on('event', (e) => {
      queue.push(e);
      wake?.();
    });
    const offState = this.on('state', (s) => s === 'closed' && wake?.());
    try {
      while (true) {
        const next = queue.shift();
        if (next) {
          yield next;
          continue;
        }
        if (this.state === 'closed') return;
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
    } finally {
      off();
      offState();
    }
  }

  /** Send a message; resolves with the stored message once the server acknowledges the commit. */
  send(
    roomId: string,
    content: Content,
    clientId: string = newIdempotencyKey(),
    replyTo?: string,
  ): Promise<Message> {
    const existing = this.#pending.get(clientId);
    if (existing)
      return new Promise((resolve, reject) =>
        this.#pending.set(clientId, { ...existing, resolve, reject }),
      );
    return new Promise<Message>((resolve, reject) => {
      const frame = JSON.stringify({
        type: 'send',
        room_id: roomId,
        content,
        client_id: clientId,
        ...(replyTo ? { reply_to: replyTo } : {}),
      });
      this.#pending.set(clientId, { frame, attempts: 0, resolve, reject });
      if (this.state === 'open') this.#write(frame);
    });
  }

  /** Number of sends waiting for their ack (they survive reconnects). */
  get pendingSends(): number {
    return this.#pending.size;
  }

  typing(roomId: string): void {
    if (this.state === 'open') this.#write(JSON.stringify({ type: 'typing', room_id: roomId }));
  }

  read(roomId: string, seq: number): void {
    if (this.state === 'open') this.#write(JSON.stringify({ type: 'read', room_id: roomId, seq }));
  }

  /** After reloading a room over REST (e.g. on `resync`), continue from its latest seq. */
  setPosition(roomId: string, seq: number): void {
    this.positions.set(roomId, seq);
  }

  close(): void {
    this.#stopped = true;
    clearTimeout(this.#reconnectTimer);
    clearInterval(this.#heartbeat);
    this.#socket?.close(1000, 'client closed');
    for (const p of this.#pending.values()) p.reject(new Error('connection closed'));
    this.#pending.clear();
    this.#setState('closed');
  }

  async #connect(): Promise<void> {
    if (this.#stopped) return;
    const Ctor = this.options.WebSocket ?? (globalThis as { WebSocket?: WebSocketCtor }).WebSocket;
    if (!Ctor)
      throw new Error('no WebSocket implementation: pass the `ws` package as options.WebSocket');
    const token = await this.options.getToken?.();
    const url = new URL('/api/v1/ws', this.options.baseUrl);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    const socket = new Ctor(url.toString()) as MinimalSocket;
    this.#socket = socket;
    socket.onopen = () => {
      this.#lastHeard = Date.now();
      if (token) socket.send(JSON.stringify({ type: 'auth', token }));
    };
    socket.onmessage = (ev) => {
      this.#lastHeard = Date.now();
      const text = typeof ev.data === 'string' ? ev.data : String(ev.data);
      let frame: ServerFrame;
      try {
        frame = JSON.parse(text) as ServerFrame;
      } catch {
        return;
      }
      this.#handle(frame);
    };
    socket.onerror = () => undefined; // a close event always follows
    socket.onclose = (ev) => {
      if (this.#socket !== socket) return;
      clearInterval(this.#heartbeat);
      this.#socket = undefined;
      if (this.#stopped) return;
      if (ev.code === 4401 || ev.code === 4403) void this.#afterAuthFailure();
      else this.#scheduleReconnect();
    };
    this.#startHeartbeat(socket);
  }

  #handle(frame: ServerFrame): void {
    switch (frame.type) {
      case 'ready':
        this.user = frame.user;
        this.#attempt = 0;
        this.#setState('open');
        // Always, even with nothing to resume: it also ends the server's resume window, in
        // which live events wait for this frame.
        this.#write(
          JSON.stringify({ type: 'resume', positions: Object.fromEntries(this.positions) }),
        );
        for (const p of this.#pending.values()) this.#write(p.frame);
        this.#emit('ready', frame.user);
        return;
      case 'event':
        return this.#onEvent(frame);
      case 'ack': {
        const p = this.#pending.get(frame.client_id);
        this.#pending.delete(frame.client_id);
        p?.resolve(frame.message);
        return;
      }
      case 'resync':
        return this.#emit('resync', { room_id: frame.room_id, reason: frame.reason });
      case 'typing':
        return this.#emit('typing', { room_id: frame.room_id, user_id: frame.user_id });
      case 'presence':
        return this.#emit('presence', { user_id: frame.user_id, status: frame.status });
      case 'read':
        return this.#emit('read', {
          room_id: frame.room_id,
          user_id: frame.user_id,
          seq: frame.seq,
        });
      case 'error': {
        const p = frame.client_id ? this.#pending.get(frame.client_id) : undefined;
        if (p && frame.client_id && frame.code === 'rate_limited') {
          // Refused for pace, not content: send it again shortly, same client_id (idempotent).
          const retryMs = Math.max(50, backoffDelay(p.attempts++, 100, 5_000));
          setTimeout(() => this.#pending.has(frame.client_id!) && this.#write(p.frame), retryMs);
          return;
        }
        if (p && frame.client_id) {
          this.#pending.delete(frame.client_id);
          p.reject(Object.assign(new Error(frame.message), { code: frame.code }));
        }
        return this.#emit('error', { code: frame.code, message: frame.message });
      }
      case 'pong':
        return;
    }
  }

  #onEvent(event: RoomEvent): void {
    const known = this.positions.get(event.room_id);
    if (known !== undefined && event.seq <= known) return; // duplicate (e.g. replay overlap)
    if (known !== undefined && event.seq > known + 1) {
      // Out of order or missed: let the server replay from the log rather than deliver a gap.
      this.#write(JSON.stringify({ type: 'resume', positions: { [event.room_id]: known } }));
      return;
    }
    this.positions.set(event.room_id, event.seq);
    this.#emit('event', event);
  }

  #startHeartbeat(socket: MinimalSocket): void {
    const interval = this.options.heartbeatMs ?? 25_000;
    clearInterval(this.#heartbeat);
    this.#heartbeat = setInterval(() => {
      if (Date.now() - this.#lastHeard > interval * 2) {
        socket.close(4000, 'heartbeat timeout');
        socket.onclose?.({ code: 4000, reason: 'heartbeat timeout' });
        return;
      }
      if (socket.readyState === OPEN) socket.send('{"type":"ping"}');
    }, interval);
  }

  async #afterAuthFailure(): Promise<void> {
    if (!this.options.onAuthFailure) return this.close();
    try {
      await this.options.onAuthFailure();
      this.#scheduleReconnect();
    } catch {
      this.close();
    }
  }

  #scheduleReconnect(): void {
    this.#setState('reconnecting');
    const delay = backoffDelay(this.#attempt++, 200, 10_000);
    this.#reconnectTimer = setTimeout(() => void this.#connect(), delay);
  }

  #write(frame: string): void {
    if (this.#socket?.readyState === OPEN) this.#socket.send(frame);
  }

  #setState(state: ConnectionState): void {
    if (this.state === state) return;
    this.state = state;
    this.#emit('state', state);
  }

  #emit<K extends keyof RealtimeEvents>(type: K, payload: RealtimeEvents[K]): void {
    for (const l of this.#listeners.get(type) ?? []) (l as Listener<K>)(payload);
  }
}
