/**
 * `npm run bench [-- --quick] [-- --only=send,fanout,…]`: runs the scenarios in order, each on
 * freshly started servers, and writes bench/results/<timestamp>-<profile>.json and .md plus
 * bench/results/latest.md. A scenario that fails (for instance because an API it needs is not
 * there) is recorded as skipped with the reason; the others still run. Every process the bench
 * starts, it stops — also on Ctrl-C.
 */
import os from 'node:os';
import { wrkAvailable } from './clients/wrk.js';
import { PROFILES, type Profile } from './profile.js';
import { computeRatios, evaluateTargets } from './report/targets.js';
import type { Report, Row } from './report/types.js';
import { writeReport } from './report/write-report.js';
import { fanoutScenario, scaleOutScenario } from './scenarios/fanout-scenario.js';
import { historyScenario } from './scenarios/history.js';
import { idleScenario } from './scenarios/idle.js';
import { manyRoomsScenario } from './scenarios/many-rooms.js';
import { sendScenario } from './scenarios/send.js';
import { stopAll } from './sut/server-process.js';

/** A scenario appends its rows to `out` as it goes, so a later failure keeps earlier results. */
type Scenario = (profile: Profile, log: (s: string) => void, out: Row[]) => Promise<void>;

const SCENARIOS: Record<string, Scenario> = {
  send: sendScenario,
  fanout: fanoutScenario,
  manyrooms: async (p, log, out) => void out.push(...(await manyRoomsScenario(p, log))),
  history: async (p, log, out) => void out.push(...(await historyScenario(p, log))),
  idle: idleScenario,
  scaleout: scaleOutScenario,
};

function parseArgs(argv: string[]): { profile: Profile; only: string[] } {
  const profile = argv.includes('--quick') ? PROFILES.quick : PROFILES.full;
  const onlyArg = argv.find((a) => a.startsWith('--only='));
  const only = onlyArg ? onlyArg.slice('--only='.length).split(',') : Object.keys(SCENARIOS);
  for (const name of only) {
    if (!SCENARIOS[name])
      throw new Error(`unknown scenario "${name}"; known: ${Object.keys(SCENARIOS).join(', ')}`);
  }
  return { profile, only };
}

async function main(): Promise<void> {
  const { profile, only } = parseArgs(process.argv.slice(2));
  const started = new Date();
  const t0 = performance.now();
  const log = (s: string) =>
    process.stdout.write(`[bench ${((performance.now() - t0) / 1000).toFixed(1)}s] ${s}\n`);
  if (!wrkAvailable() && (only.includes('send') || only.includes('history')))
    log('wrk not found (apt-get install wrk): REST sends and history use the Node client instead');
  const rows: Row[] = [];
  for (const name of only) {
    const scenario = SCENARIOS[name];
    if (!scenario) continue;
    try {
      await scenario(profile, log, rows);
    } catch (err) {
      const reason =
        err instanceof Error ? (err.message.split('\n')[0] ?? err.message) : String(err);
      log(`${name} failed: ${err instanceof Error ? (err.stack ?? reason) : reason}`);
      rows.push({
        id: `${name}.failed`,
        scenario: name,
        label: name,
        system: 'parley',
        skipped: reason,
      });
      await stopAll();
    }
  }
  const cpus = os.cpus();
  const report: Report = {
    startedAt: started.toISOString(),
    finishedAt: new Date().toISOString(),
    profile: profile.name,
    machine: {
      cpus: cpus.length,
      model: cpus[0]?.model.trim() ?? 'unknown',
      memGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      loadAvg: os.loadavg(),
    },
    rows,
    targets: evaluateTargets(rows),
    ratios: computeRatios(rows),
  };
  const files = await writeReport(report);
  log(`done in ${((performance.now() - t0) / 1000).toFixed(0)} s; wrote ${files.join(', ')}`);
  for (const t of report.targets) {
    const verdict = t.pass === undefined ? 'n/a ' : t.pass ? 'PASS' : 'FAIL';
    process.stdout.write(
      `  ${verdict}  ${t.description}: ${t.value ?? '–'} (wanted ${t.threshold})\n`,
    );
  }
}

process.on('SIGINT', () => void stopAll().finally(() => process.exit(130)));
main().catch(async (err: unknown) => {
  process.stderr.write(
    `bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  await stopAll();
  process.exit(1);
});
