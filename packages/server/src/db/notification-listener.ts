/**
 * One dedicated connection that LISTENs on a PostgreSQL channel and hands each notification's
 * payload to `onMessage`. PostgreSQL delivers a notification to every listener at the commit of
 * the transaction that sent it, in commit order, so every node hears of every change whichever
 * node (or the operator CLI, or a hand-written UPDATE) made it.
 *
 * Lifecycle: `start()` connects in the background and returns at once; `onLive(true)` is called
 * once the feed is proven — LISTEN is in place and a probe notification sent through `ping`
 * (another connection, as any writer's would be) came back — and `onLive(false)` when the
 * connection is lost or a probe does not come back within PROBE_TIMEOUT_MS (whatever was sent
 * meanwhile is lost, so users of the feed must assume anything changed); it then reconnects
 * with capped backoff until `stop()`. Probes repeat every PROBE_EVERY_MS, so a feed that went
 * quiet without an error (a pooler in transaction mode between Parley and PostgreSQL, which
 * does not carry notifications) is never taken for a live one. Probe payloads (`probe:…`) are
 * the listener's own; every other payload goes to `onMessage`.
 *
 * Not a pool connection: it is held for the process's life and must not count against, or wait
 * for, the pool's draining on shutdown.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Logger } from 'pino';

const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 5_000;
const PROBE_EVERY_MS = 10_000;
const PROBE_TIMEOUT_MS = 5_000;
const PROBE = 'probe:';

export interface ListenerOptions {
  /** Connection settings, as for the pool (`pool.options`). */
  connection: pg.ClientConfig;
  channel: string;
  /** Sends `payload` on `channel` over another connection (the pool's). */
  ping: (payload: string) => Promise<unknown>;
  onMessage: (payload: string) => void;
  onLive: (live: boolean) => void;
  log: Logger;
  /** How long a probe may take (default PROBE_TIMEOUT_MS); tests shorten it. */
  probeTimeoutMs?: number;
}

export class NotificationListener {
  #client: pg.Client | undefined;
  #stopped = false;
  #retryMs = RETRY_MIN_MS;
  #timer: NodeJS.Timeout | undefined;
  #live = false;
  #warned = false;
  #probe: { payload: string; arrived: () => void } | undefined;
  #probeTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: ListenerOptions) {
    if (!/^[a-z_][a-z0-9_]*$/.test(options.channel)) throw new Error('invalid channel name');
  }

  start(): void {
    void this.#connect();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    clearTimeout(this.#probeTimer);
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
      clearTimeout(this.#probeTimer);
      this.#probe = undefined;
      if (this.#client === client) this.#client = undefined;
      this.#setLive(false);
      void client.end().catch(() => undefined);
      if (this.#stopped) return;
      // Once per outage: a feed that never works (a transaction-mode pooler) retries forever.
      const level = this.#warned ? 'debug' : 'warn';
      this.#warned = true;
      log[level]({ err, channel, retry_ms: this.#retryMs }, 'notification listener disconnected');
      this.#timer = setTimeout(() => void this.#connect(), this.#retryMs);
      this.#timer.unref();
      this.#retryMs = Math.min(RETRY_MAX_MS, this.#retryMs * 2);
    };
    client.on('error', onLost);
    client.on('end', () => onLost());
    client.on('notification', (n) => {
      if (n.channel !== channel) return;
      const payload = n.payload ?? '';
      if (!payload.startsWith(PROBE)) onMessage(payload);
      else if (payload === this.#probe?.payload) this.#probe.arrived();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${channel}`);
      await this.#proveFeed();
    } catch (err) {
      onLost(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    if (lost || this.#stopped) return;
    this.#retryMs = RETRY_MIN_MS;
    this.#warned = false;
    this.#setLive(true);
    const reprobe = () => {
      this.#probeTimer = setTimeout(() => {
        this.#proveFeed().then(reprobe, (err: unknown) =>
          onLost(err instanceof Error ? err : new Error(String(err))),
        );
      }, PROBE_EVERY_MS);
      this.#probeTimer.unref();
    };
    reprobe();
  }

  /** Sends a probe through `ping` and resolves when it comes back here; rejects after a timeout. */
  async #proveFeed(): Promise<void> {
    const payload = `${PROBE}${randomUUID()}`;
    const arrived = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error('the notification feed did not deliver its probe')),
        this.options.probeTimeoutMs ?? PROBE_TIMEOUT_MS,
      );
      timer.unref();
      this.#probe = { payload, arrived: () => (clearTimeout(timer), resolve()) };
    });
    arrived.catch(() => undefined); // awaited below; a failed ping must not leave it unhandled
    await this.options.ping(payload);
    await arrived;
    this.#probe = undefined;
  }

  #setLive(live: boolean): void {
    if (live === this.#live) return;
    this.#live = live;
    this.options.onLive(live);
  }
}
