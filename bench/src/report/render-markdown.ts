/** Renders a run as Markdown: targets (pass/fail), Parley ÷ baseline ratios, then every row. */
import type { Report, Row } from './types.js';

const fmt = (v: number | undefined, digits = 1): string =>
  v === undefined || Number.isNaN(v)
    ? '–'
    : v >= 1000
      ? Math.round(v).toLocaleString('en')
      : String(Math.round(v * 10 ** digits) / 10 ** digits);

function verdict(pass: boolean | undefined): string {
  return pass === undefined ? 'not measured' : pass ? '**pass**' : '**FAIL**';
}

function deliveryCell(row: Row): string {
  const d = row.delivery;
  if (!d) return '–';
  const extra = [d.resyncs ? `${d.resyncs} resync` : '', d.closes ? `${d.closes} closed` : '']
    .filter(Boolean)
    .join(', ');
  return `${d.lost} / ${d.duplicated}${extra ? ` (${extra})` : ''}`;
}

function errorsCell(row: Row): string {
  const entries = Object.entries(row.errors ?? {});
  return entries.length === 0 ? '0' : entries.map(([k, v]) => `${k}: ${v}`).join(', ');
}

function extraCell(row: Row): string {
  return Object.entries(row.extra ?? {})
    .map(([k, v]) => `${k}=${typeof v === 'number' ? fmt(v, 2) : v}`)
    .join(', ');
}

export function renderMarkdown(report: Report): string {
  const lines: string[] = [];
  const m = report.machine;
  lines.push(
    `# Parley benchmark — ${report.startedAt}`,
    '',
    `Profile \`${report.profile}\` · ${m.cpus} × ${m.model} · ${m.memGiB} GiB · Node ${m.node} · ` +
      `load average at start ${m.loadAvg.map((l) => l.toFixed(2)).join(' ')} · finished ${report.finishedAt}`,
    '',
    'Everything ran on this one machine, over loopback, in this invocation: servers, baselines and',
    'load generators (separate processes) share its cores, so compare ratios rather than absolutes.',
    '',
    '## Targets',
    '',
    '| target | measured | wanted | result | note |',
    '|---|---:|---|---|---|',
  );
  for (const t of report.targets) {
    lines.push(
      `| ${t.description} | ${fmt(t.value, 2)} | ${t.threshold} | ${verdict(t.pass)} | ${t.note ?? ''} |`,
    );
  }
  lines.push('', '## Parley ÷ baseline', '', '| ratio | value |', '|---|---:|');
  for (const r of report.ratios) lines.push(`| ${r.label} | ${fmt(r.value, 2)} |`);
  lines.push(
    '',
    '## Results',
    '',
    'Latencies in ms. CPU is % of one core for the server process(es) (200% = the whole machine);',
    '"PG CPU" is every PostgreSQL process together, same unit;',
    '"machine" is the whole machine\'s busy share during the measurement (load generators included).',
    '',
    '| id | what | system | throughput | latency | p50 | p95 | p99 | max | server CPU | PG CPU | RSS peak MiB | machine | lost / dup | errors | notes |',
    '|---|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---|',
  );
  for (const row of report.rows) {
    if (row.skipped) {
      lines.push(
        `| ${row.id} | ${row.label} | ${row.system} | – | – | – | – | – | – | – | – | – | – | – | skipped: ${row.skipped} |`,
      );
      continue;
    }
    const l = row.latency;
    const t = row.throughput ? `${fmt(row.throughput.value)} ${row.throughput.unit}` : '–';
    const r = row.resources;
    lines.push(
      `| ${row.id} | ${row.label} | ${row.system} | ${t} | ${row.latencyKind ?? '–'} | ${fmt(l?.p50, 2)} | ${fmt(l?.p95, 2)} | ${fmt(l?.p99, 2)} | ${fmt(l?.max, 2)} | ${r ? `${r.cpuPct}%` : '–'} | ${r ? `${r.pgCpuPct}%` : '–'} | ${fmt(r?.rssPeakMiB)} | ${r ? `${r.machineBusyPct}%` : '–'} | ${deliveryCell(row)} | ${errorsCell(row)} | ${extraCell(row)} |`,
    );
  }
  lines.push('');
  return lines.join('\n');
}
