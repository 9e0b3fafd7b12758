/**
 * Coordinator ↔ load-process messaging over Node's IPC channel. The coordinator forks each load
 * generator as its own process (so generating load never shares an event loop with measuring
 * it) and drives it with calls (`call(method, params)` → result) and one-way notifications
 * (progress for flow control). Lifecycle: fork → calls → `stop()` (asks the worker to exit,
 * kills it after a grace period). The coordinator stops every worker it forked, also on failure.
 */
import { fork, type ChildProcess } from 'node:child_process';

interface CallMessage {
  kind: 'call';
  id: number;
  method: string;
  params: unknown;
}
interface ReplyMessage {
  kind: 'reply';
  id: number;
  result?: unknown;
  error?: string;
}
interface NotifyMessage {
  kind: 'notify';
  topic: string;
  data: unknown;
}
type Message = CallMessage | ReplyMessage | NotifyMessage | { kind: 'exit' };

export class WorkerHandle {
  readonly #proc: ChildProcess;
  readonly #pending = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: Error) => void }
  >();
  readonly #listeners = new Map<string, (data: unknown) => void>();
  readonly #exited: Promise<void>;
  #nextId = 1;

  constructor(
    script: string,
    readonly name: string,
  ) {
    this.#proc = fork(script, [], {
      execArgv: ['--import', 'tsx', '--max-old-space-size=4096'],
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.#proc.on('message', (m: Message) => this.#onMessage(m));
    // A send racing the worker's exit (EPIPE) must fail that call, not the whole run.
    this.#proc.on('error', (err) => {
      for (const p of this.#pending.values()) p.reject(new Error(`${name}: ${err.message}`));
      this.#pending.clear();
    });
    this.#exited = new Promise((resolve) =>
      this.#proc.once('exit', (code, signal) => {
        for (const p of this.#pending.values())
          p.reject(new Error(`${name} exited (${code ?? signal}) during a call`));
        this.#pending.clear();
        resolve();
      }),
    );
  }

  get pid(): number {
    return this.#proc.pid ?? -1;
  }

  call<T>(method: string, params: unknown = {}): Promise<T> {
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: (v) => resolve(v as T), reject });
      this.#proc.send({ kind: 'call', id, method, params } satisfies CallMessage);
    });
  }

  notify(topic: string, data: unknown): void {
    // Best effort (progress hints): a worker that has just exited is reported by its calls.
    if (this.#proc.connected) this.#proc.send({ kind: 'notify', topic, data }, () => undefined);
  }

  on(topic: string, listener: (data: unknown) => void): void {
    this.#listeners.set(topic, listener);
  }

  async stop(graceMs = 5000): Promise<void> {
    if (this.#proc.exitCode !== null || this.#proc.signalCode !== null) return;
    if (this.#proc.connected) this.#proc.send({ kind: 'exit' });
    const timer = setTimeout(() => this.#proc.kill('SIGKILL'), graceMs);
    await this.#exited;
    clearTimeout(timer);
  }

  #onMessage(m: Message): void {
    if (m.kind === 'reply') {
      const p = this.#pending.get(m.id);
      this.#pending.delete(m.id);
      if (m.error !== undefined) p?.reject(new Error(`${this.name}: ${m.error}`));
      else p?.resolve(m.result);
    } else if (m.kind === 'notify') {
      this.#listeners.get(m.topic)?.(m.data);
    }
  }
}

export type Methods = Record<string, (params: never) => unknown>;

/** Worker side: answer calls with `methods`, pass notifications to `onNotify`, exit on request. */
export function serve(
  methods: Methods,
  onNotify: (topic: string, data: unknown) => void = () => undefined,
  onExit: () => Promise<void> | void = () => undefined,
): void {
  process.on('message', (m: Message) => {
    if (m.kind === 'call') {
      const fn = methods[m.method] as ((p: unknown) => unknown) | undefined;
      Promise.resolve()
        .then(() => {
          if (!fn) throw new Error(`unknown method ${m.method}`);
          return fn(m.params);
        })
        .then(
          (result) => process.send?.({ kind: 'reply', id: m.id, result }),
          (err: unknown) =>
            process.send?.({
              kind: 'reply',
              id: m.id,
              error: err instanceof Error ? (err.stack ?? err.message) : String(err),
            }),
        );
    } else if (m.kind === 'notify') {
      onNotify(m.topic, m.data);
    } else if (m.kind === 'exit') {
      void Promise.resolve(onExit()).finally(() => process.exit(0));
    }
  });
  // The coordinator died: do not linger as an orphan holding sockets.
  process.on('disconnect', () => process.exit(0));
}

/** Worker side: a one-way message to the coordinator. */
export function notifyParent(topic: string, data: unknown): void {
  process.send?.({ kind: 'notify', topic, data });
}
