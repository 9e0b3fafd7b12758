/**
 * deploy/prometheus and deploy/grafana: `promtool` is not installable here, so the alert rules
 * and the dashboard are checked structurally, and every metric they query is checked to exist
 * in Parley's registry (names collected from a real `createMetrics()`), so a renamed metric
 * cannot leave an alert silently matching nothing.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createMetrics } from '../src/observability/metrics.js';

const DEPLOY = fileURLToPath(new URL('../../../deploy/', import.meta.url));
const read = (file: string) => readFileSync(DEPLOY + file, 'utf8');

// A pool that never connects: the registry only needs it to read gauges on scrape.
const pool = new pg.Pool({ max: 3 });
afterAll(() => pool.end());

async function exportedNames(): Promise<Set<string>> {
  const names = new Set(['up', 'ALERTS']); // Prometheus' own series
  for (const m of await createMetrics(pool).registry.getMetricsAsJSON()) {
    names.add(m.name);
    if (String(m.type) === 'histogram')
      for (const s of ['_bucket', '_sum', '_count']) names.add(m.name + s);
    if (String(m.type) === 'summary') for (const s of ['_sum', '_count']) names.add(m.name + s);
  }
  return names;
}

const PROMQL_WORDS = new Set([
  // aggregation operators (may be followed by `by (…)` rather than a parenthesis)
  ...['sum', 'avg', 'min', 'max', 'count', 'stddev', 'stdvar', 'topk', 'bottomk', 'quantile'],
  ...['by', 'without', 'on', 'ignoring', 'group_left', 'group_right'],
  ...['and', 'or', 'unless', 'bool', 'offset', 'Inf', 'NaN'],
]);
const LABELS =
  /^(le|instance|job|route|method|status_code|transport|scope|outcome|alertname|alertstate)$/;

/** Series names a PromQL expression selects: identifiers that are not functions or keywords. */
function selectedMetrics(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""') // label values
    .replace(/\{[^}]*\}/g, '{}') // label matchers
    .replace(/\[[^\]]*\]/g, '[]') // range durations
    .replace(/\$\w+/g, ''); // dashboard variables
  return [...stripped.matchAll(/(?<![\w.])([a-zA-Z_:][\w:]*)\b(?!\s*\()/g)]
    .map((m) => m[1]!)
    .filter((n) => !PROMQL_WORDS.has(n) && !LABELS.test(n));
}

function balanced(expr: string): boolean {
  const pairs: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
  const stack: string[] = [];
  for (const c of expr.replace(/"(?:[^"\\]|\\.)*"/g, '')) {
    if ('([{'.includes(c)) stack.push(c);
    else if (c in pairs && stack.pop() !== pairs[c]) return false;
  }
  return stack.length === 0;
}

interface Rule {
  alert: string;
  expr: string;
  for: string;
  labels: { severity: string };
  annotations: { summary: string; description: string };
}
const alerts = parse(read('prometheus/alerts.yml')) as {
  groups: { name: string; rules: Rule[] }[];
};
const rules = alerts.groups.flatMap((g) => g.rules);

describe('deploy/prometheus/alerts.yml', () => {
  it('covers what the issue asks to alert on', () => {
    const names = rules.map((r) => r.alert);
    expect(new Set(names).size).toBe(names.length);
    for (const needed of [
      'ParleyHighErrorRate',
      'ParleyHighLatencyP99',
      'ParleyDeliveryLag',
      'ParleyReconciliationCatchups',
      'ParleyPendingDatabaseConnections',
      'ParleyDatabasePoolSaturated',
    ])
      expect(names).toContain(needed);
  });

  it('has well-formed rules that query metrics Parley exports', async () => {
    const exported = await exportedNames();
    for (const r of rules) {
      expect(r.for, r.alert).toMatch(/^\d+[smh]$/);
      expect(['critical', 'warning'], r.alert).toContain(r.labels.severity);
      expect(r.annotations.summary.length, r.alert).toBeGreaterThan(10);
      expect(r.annotations.description.length, r.alert).toBeGreaterThan(40);
      expect(balanced(r.expr), r.alert).toBe(true);
      const used = selectedMetrics(r.expr);
      expect(used.length, r.alert).toBeGreaterThan(0);
      for (const name of used) expect(exported, `${r.alert}: ${name}`).toContain(name);
    }
  });

  it('are documented in docs/OPERATIONS.md', () => {
    const ops = readFileSync(`${DEPLOY}../docs/OPERATIONS.md`, 'utf8');
    for (const r of rules) expect(ops, r.alert).toContain(r.alert);
  });
});

interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { type: string; uid: string };
  targets?: { refId: string; expr: string; datasource: { uid: string } }[];
}

describe('deploy/grafana', () => {
  const dashboard = JSON.parse(read('grafana/dashboards/parley.json')) as {
    uid: string;
    title: string;
    schemaVersion: number;
    panels: Panel[];
    templating: { list: { name: string }[] };
  };
  const datasources = parse(read('grafana/provisioning/datasources/prometheus.yml')) as {
    datasources: { uid: string; type: string; url: string }[];
  };
  const providers = parse(read('grafana/provisioning/dashboards/parley.yml')) as {
    providers: { options: { path: string } }[];
  };

  it('provisions the Prometheus data source and the dashboards folder', () => {
    expect(datasources.datasources).toEqual([
      expect.objectContaining({
        uid: 'prometheus',
        type: 'prometheus',
        url: 'http://prometheus:9090',
      }),
    ]);
    expect(providers.providers[0]?.options.path).toBe('/var/lib/grafana/dashboards');
  });

  it('has a well-formed dashboard whose queries use exported metrics', async () => {
    expect(dashboard.uid).toMatch(/^[\w-]{1,40}$/);
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const exported = await exportedNames();
    const variables = dashboard.templating.list.map((v) => `$${v.name}`);
    const queried = new Set<string>();
    for (const p of dashboard.panels) {
      expect(p.gridPos.x + p.gridPos.w, p.title).toBeLessThanOrEqual(24);
      if (p.type === 'row') continue;
      expect(p.datasource?.uid, p.title).toBe('prometheus');
      expect(p.targets?.length, p.title).toBeGreaterThan(0);
      for (const t of p.targets ?? []) {
        expect(t.datasource.uid).toBe('prometheus');
        expect(balanced(t.expr), `${p.title}: ${t.expr}`).toBe(true);
        for (const v of t.expr.match(/\$\w+/g) ?? [])
          if (!v.startsWith('$__')) expect(variables, p.title).toContain(v);
        for (const name of selectedMetrics(t.expr)) {
          expect(exported, `${p.title}: ${name}`).toContain(name);
          queried.add(name.replace(/_(bucket|sum|count)$/, ''));
        }
      }
    }
    // Every Parley metric is on the dashboard.
    for (const name of exported)
      if (name.startsWith('parley_') && !/_(bucket|sum|count)$/.test(name))
        expect(queried, name).toContain(name);
  });
});
