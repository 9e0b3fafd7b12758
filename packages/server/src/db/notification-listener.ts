/**
 * One dedicated connection that LISTENs on a PostgreSQL channel and hands each notification's
 * payload to `onMessage`. PostgreSQL delivers a notification to every listener at the commit of
 * the transaction that sent it, in commit order, so every node hears of every change whichever
 * node (or the operator CLI, or a hand-written UPDATE) made it.
 *
 * Lifecycle: `start()` connects in the background and returns at once; `onLive(true)` is called
 * once the LISTEN is in place, `onLive(false)` when the connection is lost (whatever was sent
 * meanwhile is lost with it, so users of the feed must assume anything changed); it then
 * reconnects with capped backoff until `stop()`. Not a pool connection: it is held for the
 * process's life and must not count against, or wait for, the pool's draining on shutdown.
 */
import pg from 'pg';
import type { Logger } from 'pino';

const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 5_000;

export interface ListenerOptions {
  /** Connection settings, as for the pool (`pool.options`). */
  connection: pg.ClientConfig;
  channel: string;
  onMessage: (payload: string) => void;
  onLive: (live: boolean) => void;
  log: Logger;
}

export class NotificationListener {
  #client: pg.Client | undefined;
  #stopped = false;
  #retryMs = RETRY_MIN_MS;
  #timer: NodeJS.Timeout | undefined;
  #live = false;

  constructor(private readonly options: ListenerOptions) {
    if (!/^[a-z_][a-z0-9_]*$/.test(options.channel)) throw new Error('invalid channel name');
  }

  start(): void {
    void this.#connect();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#setLive(false);
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => undefined);
  }

  async #connect(): Promise<void> {
    if (this.#stopped) return;
    const { connection, channel, onMessage, log } = this.options;
    const client = new pg.Client({ ...connection, application_name: 'parley-listener' });
    this.#client = client;
    let lost = false;
    const onLost = (err?: Error) => {
      if (lost) return;
      lost = true;
      if (this.#client === client) this.#client = undefined;
      this.#setLive(false);
      void client.end().catch(() => undefined);
      if (this.#stopped) return;
      log.warn({ err, channel, retry_ms: this.#retryMs }, 'notification listener disconnected');
      this.#timer = setTimeout(() => void this.#connect(), this.#retryMs);
      this.#timer.unref();
      this.#retryMs = Math.min(RETRY_MAX_MS, this.#retryMs * 2);
    };
    client.on('error', onLost);
    client.on('end', () => onLost());
    client.on('notification', (n) => {
      if (n.channel === channel) onMessage(n.payload ?? '');
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${channel}`);
    } catch (err) {
      onLost(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    if (lost || this.#stopped) return;
    this.#retryMs = RETRY_MIN_MS;
    this.#setLive(true);
  }

  #setLive(live: boolean): void {
    if (live === this.#live) return;
    this.#live = live;
    this.options.onLive(live);
  }
}
