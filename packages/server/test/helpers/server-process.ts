/**
 * Runs the built server (`packages/server/dist/main.js`, what `npm start` runs) as a real child
 * process with JSON logs, and waits for its "listening" line. Whoever spawns one stops it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const MAIN_JS = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

export interface ServerProcess {
  proc: ChildProcess;
  url: string;
  port: number;
  logs: Record<string, unknown>[];
  startupMs: number;
  /** Send a signal and wait for exit; resolves with the exit code (or signal name). */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

export async function spawnServer(
  env: Record<string, string>,
  timeoutMs = 30_000,
): Promise<ServerProcess> {
  if (!existsSync(MAIN_JS))
    throw new Error(`${MAIN_JS} is missing: run "npm run build" first (npm test does)`);
  const proc = spawn(process.execPath, [MAIN_JS], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_PRETTY: 'false',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  proc.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | string>((resolve) =>
    proc.once('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );

  const listening = new Promise<Record<string, unknown>>((resolve, reject) => {
    let buffer = '';
    proc.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        try {
          const entry = JSON.parse(line) as Record<string, unknown>;
          logs.push(entry);
          if (typeof entry.msg === 'string' && entry.msg.startsWith('Parley is listening'))
            resolve(entry);
        } catch {
          logs.push({ raw: line });
        }
      }
    });
    void exited.then((code) =>
      reject(new Error(`server exited (${code}) before listening:\n${stderr}`)),
    );
    setTimeout(
      () => reject(new Error(`server did not listen within ${timeoutMs} ms:\n${stderr}`)),
      timeoutMs,
    ).unref();
  });

  let entry: Record<string, unknown>;
  try {
    entry = await listening;
  } catch (err) {
    proc.kill('SIGKILL');
    throw err;
  }
  const port = Number(entry.port);
  return {
    proc,
    port,
    url: `http://127.0.0.1:${port}`,
    logs,
    startupMs: Number(entry.startup_ms),
    stop: (signal = 'SIGTERM') => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exited;
    },
  };
}
