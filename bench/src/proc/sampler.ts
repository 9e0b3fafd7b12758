/**
 * Samples CPU and RSS of the processes under test from /proc (Linux). CPU is reported as a
 * percentage of one core averaged over the measured window (so 200% = both cores of this
 * machine); RSS as the peak and the last value, in MiB.
 */
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_S = 100; // USER_HZ on Linux

export interface ProcStat {
  cpuTicks: number;
  rssBytes: number;
}

/** utime + stime from /proc/<pid>/stat (fields 14 and 15; the name in parentheses may hold spaces). */
export function parseStat(stat: string): number {
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state), so field n is rest[n - 3].
  return Number(rest[11]) + Number(rest[12]);
}

export function parseRssKib(status: string): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(status);
  return m ? Number(m[1]) : 0;
}

export function readProc(pid: number): ProcStat | undefined {
  try {
    const cpuTicks = parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    const rssBytes = parseRssKib(readFileSync(`/proc/${pid}/status`, 'utf8')) * 1024;
    return { cpuTicks, rssBytes };
  } catch {
    return undefined; // the process has exited
  }
}

/** Machine-wide busy share from /proc/stat, to show how noisy the run was. */
export function readMachineTicks(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  const total = v.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

/**
 * CPU ticks of every PostgreSQL process on the machine (backends, WAL writer, checkpointer…),
 * by pid: the database's share of a phase, whichever cluster (external or embedded) serves it.
 */
export function readPostgresTicks(): Map<number, number> {
  const ticks = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== 'postgres') continue;
      ticks.set(Number(entry), parseStat(readFileSync(`/proc/${entry}/stat`, 'utf8')));
    } catch {
      // exited meanwhile
    }
  }
  return ticks;
}

function postgresTicksSince(start: Map<number, number>): number {
  let sum = 0;
  for (const [pid, t] of readPostgresTicks()) sum += t - (start.get(pid) ?? 0);
  return sum;
}

export interface ResourceUsage {
  cpuPct: number;
  /** All PostgreSQL processes together, % of one core (a backend that exited is not counted). */
  pgCpuPct: number;
  rssPeakMiB: number;
  rssLastMiB: number;
  machineBusyPct: number;
}

export class ResourceSampler {
  readonly #pids: number[];
  readonly #timer: NodeJS.Timeout;
  readonly #startTicks: number;
  readonly #startMachine = readMachineTicks();
  readonly #startPostgres = readPostgresTicks();
  readonly #startedAt = performance.now();
  #peak = 0;
  #last = 0;

  constructor(pids: number[], intervalMs = 200) {
    this.#pids = pids;
    this.#startTicks = this.#sample().cpuTicks;
    this.#timer = setInterval(() => this.#sample(), intervalMs);
  }

  #sample(): ProcStat {
    let cpuTicks = 0;
    let rssBytes = 0;
    for (const pid of this.#pids) {
      const s = readProc(pid);
      cpuTicks += s?.cpuTicks ?? 0;
      rssBytes += s?.rssBytes ?? 0;
    }
    this.#peak = Math.max(this.#peak, rssBytes);
    this.#last = rssBytes;
    return { cpuTicks, rssBytes };
  }

  stop(): ResourceUsage {
    clearInterval(this.#timer);
    const end = this.#sample();
    const seconds = (performance.now() - this.#startedAt) / 1000;
    const machine = readMachineTicks();
    const mib = (b: number) => Math.round((b / 1048576) * 10) / 10;
    const dt = machine.total - this.#startMachine.total;
    return {
      cpuPct: Math.round(((end.cpuTicks - this.#startTicks) / TICKS_PER_S / seconds) * 100),
      pgCpuPct: Math.round((postgresTicksSince(this.#startPostgres) / TICKS_PER_S / seconds) * 100),
      rssPeakMiB: mib(this.#peak),
      rssLastMiB: mib(this.#last),
      machineBusyPct:
        dt > 0 ? Math.round(((machine.busy - this.#startMachine.busy) / dt) * 100) : 0,
    };
  }
}
