/**
 * Starts a system under test as its own process and knows how to stop it. Two readiness styles:
 * a `{"listening":<port>}` line on stdout (the baseline servers) or an HTTP probe (Parley, which
 * runs with LOG_LEVEL=warn during benchmarks so that logging is not what we measure).
 * Whoever starts one stops it; `stopAll()` is the coordinator's safety net on failure.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { sleep } from '../lib/clock.js';
import { collectGarbage, INSPECT_ARG, inspectorUrl } from './inspector.js';

export interface ServerProcess {
  name: string;
  pid: number;
  port: number;
  url: string;
  /** A full garbage collection in the process; set when it was started with INSPECT_ARG. */
  collectGarbage?: () => Promise<void>;
  stop(): Promise<void>;
}

const running = new Set<ServerProcess>();

export const BENCH_SRC = fileURLToPath(new URL('..', import.meta.url));

function track(name: string, proc: ChildProcess, port: number): ServerProcess {
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const handle: ServerProcess = {
    name,
    pid: proc.pid ?? -1,
    port,
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      running.delete(handle);
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
  running.add(handle);
  return handle;
}

export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((s) => s.stop()));
}

/**
 * A baseline server script (TypeScript, run through tsx) that prints its port. With `inspect`,
 * its garbage can be collected on demand (see inspector.ts).
 */
export async function startScript(
  name: string,
  script: string,
  { inspect = false } = {},
): Promise<ServerProcess> {
  const proc = spawn(
    process.execPath,
    [...(inspect ? [INSPECT_ARG] : []), '--import', 'tsx', script],
    { stdio: ['ignore', 'pipe', inspect ? 'pipe' : 'inherit'] },
  );
  let stderr = '';
  proc.stderr?.on('data', (chunk: Buffer) => {
    const text = chunk.toString();
    stderr = (stderr + text).slice(-4000);
    // Passed through, but for the inspector's own banner.
    const rest = text.split('\n').filter((l) => l && !/Debugger|inspector/.test(l));
    if (rest.length > 0) process.stderr.write(`${rest.join('\n')}\n`);
  });
  const port = await new Promise<number>((resolve, reject) => {
    let buffer = '';
    proc.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const m = /\{"listening":(\d+)\}/.exec(buffer);
      if (m) resolve(Number(m[1]));
    });
    proc.once('exit', (code) => reject(new Error(`${name} exited (${code}) before listening`)));
    setTimeout(() => reject(new Error(`${name} did not listen within 20 s`)), 20_000).unref();
  });
  const handle = track(name, proc, port);
  if (inspect) attachInspector(handle, stderr);
  return handle;
}

/** Lets the bench collect garbage in a process started with INSPECT_ARG (it printed where). */
function attachInspector(handle: ServerProcess, stderr: string): void {
  // Node prints the address before it runs any of the program, so before it can be ready.
  const url = inspectorUrl(stderr);
  if (!url) throw new Error(`${handle.name} printed no inspector address:\n${stderr}`);
  handle.collectGarbage = () => collectGarbage(url);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** A Node program with env, ready when `probe` (a URL path) answers 200. */
export async function startProgram(
  name: string,
  args: string[],
  env: Record<string, string>,
  port: number,
  probe: string,
  timeoutMs = 90_000,
): Promise<ServerProcess> {
  const proc = spawn(process.execPath, args, {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  proc.stderr?.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
  const handle = track(name, proc, port);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`${name} exited (${proc.exitCode}):\n${stderr}`);
    try {
      const res = await fetch(`${handle.url}${probe}`);
      if (res.status === 200) {
        if (args.includes(INSPECT_ARG)) attachInspector(handle, stderr);
        return handle;
      }
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  await handle.stop();
  throw new Error(`${name} not ready within ${timeoutMs} ms:\n${stderr}`);
}
