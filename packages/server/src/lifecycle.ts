/**
 * Process lifecycle shared by the parts that must react to shutdown. Order on SIGTERM (main.ts):
 * `beginDrain()` flips readiness to 503 and runs the drain hooks (realtime transports tell their
 * clients to reconnect elsewhere and close); then the HTTP server stops accepting and waits for
 * in-flight requests; then storage closes.
 */
export class Lifecycle {
  readonly startedAt = Date.now();
  #draining = false;
  readonly #drainHooks = new Set<() => void | Promise<void>>();

  get draining(): boolean {
    return this.#draining;
  }

  onDrain(hook: () => void | Promise<void>): () => void {
    this.#drainHooks.add(hook);
    return () => this.#drainHooks.delete(hook);
  }

  async beginDrain(): Promise<void> {
    if (this.#draining) return;
    this.#draining = true;
    await Promise.allSettled([...this.#drainHooks].map(async (hook) => hook()));
  }
}
