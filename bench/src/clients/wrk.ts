/**
 * HTTP load from `wrk` (Debian's package: `apt-get install wrk`), a separate C
 * process. On this kind of machine a Node HTTP client spends ~250 µs of CPU per request — more
 * than the server's own cost of a cached history read — so with the load generator on the same
 * two cores, a Node client measures mostly itself. wrk costs a fraction of that, and is what the
 * issue's reference figure for Fastify (~22k req/s here) was measured with.
 *
 * The scenario supplies the Lua `request()` body (tokens, rooms, unique idempotency keys); the
 * `done()` hook appended here prints the run's counts and latency percentiles as one JSON line.
 * Where wrk is missing, scenarios fall back to their Node workers and say so in the row.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LatencySummary } from '../stats/histogram.js';

export interface WrkResult {
  /** Responses received (any status). */
  requests: number;
  /** Responses with a status ≥ 400 (wrk's "non-2xx or 3xx"). */
  non2xx: number;
  /** Connect, read, write errors and timeouts. */
  socketErrors: number;
  elapsedMs: number;
  latency: LatencySummary;
}

let available: boolean | undefined;

export function wrkAvailable(): boolean {
  available ??= spawnSync('wrk', ['--version'], { stdio: 'ignore' }).error === undefined;
  return available;
}

const MARK = 'WRK_RESULT ';

const DONE_LUA = `
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('${MARK}{"requests":%d,"duration_us":%d,"non2xx":%d,"socket_errors":%d,' ..
    '"mean":%.0f,"p50":%d,"p95":%d,"p99":%d,"max":%d}\\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency.mean, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    latency.max))
end
`;

/**
 * An open-loop schedule for wrk, which itself only knows closed loops: wrk asks `delay()` before
 * every request a connection is about to send, and each call takes the next slot of one global
 * schedule (start + k ÷ rate, a monotonic clock through LuaJIT's FFI), so the connections between
 * them send at `ratePerS` whatever the responses' latency — as long as one of them is free, which
 * with 64 connections at 1,000/s means any latency under 64 ms. A slow server falls behind the
 * schedule and is then sent the late requests at once, as an open-loop client would. Latency is
 * measured from each request's actual send, as for the Node client.
 */
const paceLua = (ratePerS: number) => `
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } parley_timespec;
int clock_gettime(int clk_id, parley_timespec *tp);
]]
local parley_ts = ffi.new("parley_timespec")
local function now_ms()
  ffi.C.clock_gettime(1, parley_ts) -- CLOCK_MONOTONIC
  return tonumber(parley_ts.tv_sec) * 1000 + tonumber(parley_ts.tv_nsec) / 1e6
end
local pace_start = nil
local pace_k = 0
delay = function()
  local t = now_ms()
  if pace_start == nil then pace_start = t end
  pace_k = pace_k + 1
  local wait = pace_start + pace_k * ${(1000 / ratePerS).toFixed(6)} - t
  if wait <= 0 then return 0 end
  return math.floor(wait + 0.5)
end
`;

/** Escapes a string for a Lua double-quoted literal (ids and tokens: no quotes in practice). */
export const luaString = (s: string): string => `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;

export async function runWrk(opts: {
  url: string;
  connections: number;
  durationMs: number;
  /** Lua defining `request()` (and optionally `setup`/`init`). */
  script: string;
  /** Open loop at this rate (see paceLua) instead of as fast as responses come back. */
  ratePerS?: number;
}): Promise<WrkResult> {
  const dir = mkdtempSync(join(tmpdir(), 'parley-wrk-'));
  const file = join(dir, 'script.lua');
  const pace = opts.ratePerS === undefined ? '' : paceLua(opts.ratePerS);
  writeFileSync(file, `${opts.script}\n${pace}\n${DONE_LUA}`);
  try {
    const args = [
      '-t1',
      `-c${opts.connections}`,
      `-d${Math.max(1, Math.round(opts.durationMs / 1000))}s`,
      '--timeout',
      '30s',
      '-s',
      file,
      opts.url,
    ];
    const out = await new Promise<string>((resolve, reject) => {
      const proc = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      proc.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      proc.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      proc.on('error', reject);
      proc.on('exit', (code) =>
        code === 0 ? resolve(stdout) : reject(new Error(`wrk exited ${code}: ${stderr}`)),
      );
    });
    const line = out.split('\n').find((l) => l.startsWith(MARK));
    if (!line) throw new Error(`wrk printed no result:\n${out}`);
    const r = JSON.parse(line.slice(MARK.length)) as Record<string, number>;
    const ms = (us: number | undefined) => Math.round(us ?? 0) / 1000;
    return {
      requests: r.requests ?? 0,
      non2xx: r.non2xx ?? 0,
      socketErrors: r.socket_errors ?? 0,
      elapsedMs: (r.duration_us ?? 0) / 1000,
      latency: {
        count: r.requests ?? 0,
        mean: ms(r.mean),
        p50: ms(r.p50),
        p95: ms(r.p95),
        p99: ms(r.p99),
        max: ms(r.max),
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
