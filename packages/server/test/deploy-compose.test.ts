/**
 * deploy/docker-compose.yml, deploy/Dockerfile and deploy/nginx, checked without a Docker
 * engine: compose is validated against the Compose Specification schema by dclint (its lint
 * rules too, minus two that only impose key ordering), its wiring is checked to agree with
 * the files it mounts, the Dockerfile's promises are read back, and real nginx accepts the
 * config (`nginx -t`).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderNginxConfig, testNginxConfig } from './helpers/nginx.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const DEPLOY = `${ROOT}deploy/`;
const DCLINT = `${ROOT}node_modules/.bin/dclint`;

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] | string };
  volumes?: string[];
  ports?: string[];
  command?: string[];
}
const compose = parse(readFileSync(`${DEPLOY}docker-compose.yml`, 'utf8'), { merge: true }) as {
  services: Record<string, ComposeService>;
};
const services = compose.services;

describe('deploy/docker-compose.yml', () => {
  it('passes dclint: the Compose Specification schema and its lint rules', () => {
    const r = spawnSync(
      DCLINT,
      [
        'deploy/docker-compose.yml',
        '--disable-rule',
        'service-keys-order',
        'services-alphabetical-order',
        '--max-warnings',
        '0',
        '--color',
        'false',
      ],
      { cwd: ROOT, encoding: 'utf8' },
    );
    expect(`${r.stdout}${r.stderr}`.trim()).toBe('');
    expect(r.status).toBe(0);
  });

  it('runs PostgreSQL, Redis, two Parley nodes, nginx, Prometheus and Grafana', () => {
    expect(Object.keys(services).sort()).toEqual(
      ['grafana', 'nginx', 'parley-1', 'parley-2', 'postgres', 'prometheus', 'redis'].sort(),
    );
  });

  it('waits on healthchecks that exist', () => {
    for (const [name, service] of Object.entries(services))
      for (const [dep, { condition }] of Object.entries(service.depends_on ?? {})) {
        expect(services[dep], `${name} → ${dep}`).toBeDefined();
        if (condition === 'service_healthy')
          expect(services[dep]!.healthcheck, `${dep} healthcheck`).toBeDefined();
      }
    expect(Object.keys(services.nginx!.depends_on ?? {}).sort()).toEqual(['parley-1', 'parley-2']);
  });

  it('gives both Parley nodes the same database, broker and token secret, behind the proxy', () => {
    const [a, b] = [services['parley-1']!, services['parley-2']!];
    expect(a.environment).toEqual(b.environment);
    expect(a.environment).toMatchObject({
      DATABASE_URL: expect.stringContaining('@postgres:5432/') as string,
      REDIS_URL: 'redis://redis:6379',
      JWT_SECRET: expect.stringMatching(/^\$\{PARLEY_JWT_SECRET:\?/) as string,
      TRUST_PROXY: 'true',
    });
    expect(a.build?.dockerfile).toBe('deploy/Dockerfile');
    expect(existsSync(`${DEPLOY}${a.build!.context}/${a.build!.dockerfile}`)).toBe(true);
    expect(String(a.healthcheck?.test)).toContain('/readyz');
    // Only nginx is published; the nodes are reached through it.
    expect(a.ports).toBeUndefined();
    expect(services.nginx!.ports).toHaveLength(1);
  });

  it('mounts files that exist where the images expect them', () => {
    const mounts = (name: string) =>
      (services[name]!.volumes ?? [])
        .filter((v) => v.startsWith('./'))
        .map((v) => {
          const [host, target] = v.split(':');
          expect(existsSync(DEPLOY + host!), v).toBe(true);
          return target!;
        });
    expect(mounts('nginx')).toEqual([
      '/etc/nginx/conf.d/default.conf',
      '/etc/nginx/snippets/parley-security-headers.conf',
    ]);
    expect(mounts('prometheus')).toEqual([
      '/etc/prometheus/prometheus.yml',
      '/etc/prometheus/alerts.yml',
    ]);
    expect(mounts('grafana')).toEqual(['/etc/grafana/provisioning', '/var/lib/grafana/dashboards']);
    const prometheus = parse(readFileSync(`${DEPLOY}prometheus/prometheus.yml`, 'utf8')) as {
      rule_files: string[];
      scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
    };
    expect(prometheus.rule_files).toEqual(['/etc/prometheus/alerts.yml']);
    const parley = prometheus.scrape_configs.find((s) => s.job_name === 'parley');
    expect(parley?.static_configs.flatMap((c) => c.targets)).toEqual([
      'parley-1:8080',
      'parley-2:8080',
    ]);
  });
});

describe('deploy/Dockerfile', () => {
  const dockerfile = readFileSync(`${DEPLOY}Dockerfile`, 'utf8');
  const final = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));

  it('is multi-stage, runs as a non-root user and checks /livez', () => {
    expect(dockerfile.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(2);
    expect(final).toMatch(/^USER node$/m);
    expect(final).toMatch(/^HEALTHCHECK .*\n?.*\/livez/m);
    expect(final).toMatch(
      /^CMD \["node", "--import", "\.\/packages\/server\/dist\/observability\/instrument\.js", "packages\/server\/dist\/main\.js"\]$/m,
    );
  });

  it('copies only files the build produces or the repository has', () => {
    for (const [, src] of dockerfile.matchAll(/^COPY (?!--from)(?:--\S+ )*(\S+) /gm))
      if (src !== '.') expect(existsSync(ROOT + src!), src).toBe(true);
    const ignore = readFileSync(`${DEPLOY}Dockerfile.dockerignore`, 'utf8');
    for (const entry of ['**/node_modules', '**/dist', '.git', 'data', '.env'])
      expect(ignore.split('\n')).toContain(entry);
  });
});

describe('deploy/nginx/parley.conf', () => {
  it('is accepted by nginx -t', async () => {
    const config = await renderNginxConfig(['127.0.0.1:9', '127.0.0.1:10']);
    try {
      expect(testNginxConfig(config)).toMatch(/test is successful/);
    } finally {
      rmSync(config.dir, { recursive: true, force: true });
    }
  });
});
