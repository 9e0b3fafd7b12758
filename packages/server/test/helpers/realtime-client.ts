/**
 * Realtime test clients over real sockets: a WebSocket client (the `ws` package) and an SSE
 * reader (fetch + a line parser, as EventSource would). Both record every frame and let a test
 * wait for the one it expects. Whoever opens one closes it.
 */
import WebSocket from 'ws';

export type Frame = { type: string; [key: string]: unknown };

abstract class Recorder {
  readonly frames: Frame[] = [];
  #waiters: (() => void)[] = [];

  protected push(frame: Frame): void {
    this.frames.push(frame);
    for (const w of this.#waiters.splice(0)) w();
  }

  /** The first frame after index `from` matching `pred`; rejects after `ms`. */
  async next(pred: (f: Frame) => boolean, ms = 15_000, from = 0): Promise<Frame> {
    const deadline = Date.now() + ms;
    for (;;) {
      const hit = this.frames.slice(from).find(pred);
      if (hit) return hit;
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `no matching frame within ${ms} ms; got ${JSON.stringify(this.frames.slice(-5))}`,
        );
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Wait until `count` frames match `pred`. */
  async count(pred: (f: Frame) => boolean, count: number, ms = 15_000): Promise<Frame[]> {
    await this.next(() => this.frames.filter(pred).length >= count, ms);
    return this.frames.filter(pred);
  }

  events(roomId?: string): Frame[] {
    return this.frames.filter(
      (f) => f.type === 'event' && (roomId === undefined || f.room_id === roomId),
    );
  }
}

export const isEvent = (roomId: string, name?: string) => (f: Frame) =>
  f.type === 'event' && f.room_id === roomId && (name === undefined || f.event === name);

export class TestSocket extends Recorder {
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket) {
    super();
    ws.on('message', (data: Buffer) => this.push(JSON.parse(data.toString('utf8')) as Frame));
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
  }

  /** Open `/api/v1/ws`; with `token`, authenticate by header and wait for `ready`. */
  static async open(
    baseUrl: string,
    opts: { token?: string; query?: string } = {},
  ): Promise<TestSocket> {
    const url = `${baseUrl.replace(/^http/, 'ws')}/api/v1/ws${opts.query ? `?${opts.query}` : ''}`;
    const ws = new WebSocket(
      url,
      opts.token ? { headers: { authorization: `Bearer ${opts.token}` } } : {},
    );
    const socket = new TestSocket(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) =>
        reject(
          Object.assign(new Error(`handshake answered ${res.statusCode}`), {
            status: res.statusCode,
          }),
        ),
      );
    });
    if (opts.token) await socket.next((f) => f.type === 'ready');
    return socket;
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    this.ws.close();
    await this.closed;
  }

  /** Kill the TCP connection without a close handshake (a client that vanished). */
  kill(): void {
    this.ws.terminate();
  }
}

/** An SSE stream read the way EventSource reads it; `lastId` is the last `id:` seen. */
export class TestStream extends Recorder {
  lastId: string | undefined;
  readonly names: string[] = [];
  readonly response: Response;
  readonly #abort: AbortController;
  readonly done: Promise<void>;

  private constructor(response: Response, abort: AbortController) {
    super();
    this.response = response;
    this.#abort = abort;
    this.done = this.#read();
  }

  static async open(url: string, headers: Record<string, string> = {}): Promise<TestStream> {
    const abort = new AbortController();
    const response = await fetch(url, { headers, signal: abort.signal });
    if (response.status !== 200)
      throw new Error(`stream answered ${response.status}: ${await response.text()}`);
    return new TestStream(response, abort);
  }

  async #read(): Promise<void> {
    const reader = this.response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += value;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          this.#block(block);
        }
      }
    } catch {
      // aborted
    }
  }

  #block(block: string): void {
    let name = 'message';
    let data = '';
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') name = value;
      else if (field === 'id') this.lastId = value;
      else if (field === 'data') data += value;
    }
    if (!data) return;
    this.names.push(name);
    this.push(JSON.parse(data) as Frame);
  }

  close(): void {
    this.#abort.abort();
  }
}
