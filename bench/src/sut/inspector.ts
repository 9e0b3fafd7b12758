/**
 * Full garbage collections on demand in a process the bench started with `INSPECT_ARG` (V8's
 * inspector protocol on a loopback port the process picks: `HeapProfiler.collectGarbage`).
 * Memory read right after one counts what the process retains — per connection, its state —
 * rather than however much garbage V8 had not yet collected at that moment, which swings by tens
 * of MiB between two readings of the same idle server.
 */
import WebSocket from 'ws';

export const INSPECT_ARG = '--inspect=127.0.0.1:0';

/** The inspector's address, from what the process printed on stderr. */
export function inspectorUrl(stderr: string): string | undefined {
  return /Debugger listening on (ws:\/\/\S+)/.exec(stderr)?.[1];
}

/** One full collection; resolves when V8 has finished it. */
export async function collectGarbage(url: string): Promise<void> {
  const socket = new WebSocket(url);
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    await new Promise<void>((resolve, reject) => {
      socket.on('message', (data: Buffer) => {
        const reply = JSON.parse(data.toString()) as { id?: number; error?: { message: string } };
        if (reply.id !== 1) return;
        if (reply.error) reject(new Error(`collectGarbage: ${reply.error.message}`));
        else resolve();
      });
      socket.send(JSON.stringify({ id: 1, method: 'HeapProfiler.collectGarbage' }));
    });
  } finally {
    socket.close();
  }
}
