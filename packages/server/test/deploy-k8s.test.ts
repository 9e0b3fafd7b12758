/**
 * deploy/k8s: every manifest is validated against the Kubernetes OpenAPI schema of its kind
 * (kubernetes-models), and the parts that must agree with each other — labels and selectors,
 * ports, probes, shutdown timing, config references — are checked to agree.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { SPEC } from '../src/config.js';

const K8S = fileURLToPath(new URL('../../../deploy/k8s/', import.meta.url));

type Obj = Record<string, unknown>;
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'apps/v1/Deployment': Deployment,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'v1/ConfigMap': ConfigMap,
  'v1/Namespace': Namespace,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'networking.k8s.io/v1/Ingress': Ingress,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
};

function load(file: string): Obj[] {
  const docs = parseAllDocuments(readFileSync(K8S + file, 'utf8'));
  const parsed = Array.isArray(docs) ? docs : [docs];
  for (const doc of parsed) {
    expect(doc.errors, file).toEqual([]);
    expect(doc.warnings, file).toEqual([]);
  }
  return parsed.map((d) => d.toJS() as Obj);
}

const files = readdirSync(K8S).filter((f) => f.endsWith('.yaml'));
const manifests = files
  .filter((f) => f !== 'kustomization.yaml')
  .flatMap((f) => load(f).map((o) => ({ file: f, o })));
const byKind = (kind: string) => {
  const found = manifests.filter((m) => m.o.kind === kind);
  expect(found, kind).toHaveLength(1);
  return found[0]!.o as never;
};

interface Probe {
  httpGet: { path: string; port: string };
  periodSeconds?: number;
  failureThreshold?: number;
}
interface Container {
  name: string;
  image: string;
  ports: { name: string; containerPort: number }[];
  envFrom: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  env?: { name: string; value: string }[];
  resources: { requests: Record<string, string>; limits: Record<string, string> };
  readinessProbe: Probe;
  livenessProbe: Probe;
  startupProbe?: Probe;
  lifecycle: { preStop: { exec: { command: string[] } } };
  securityContext: { allowPrivilegeEscalation: boolean; readOnlyRootFilesystem: boolean };
}
interface DeploymentDoc {
  metadata: { name: string; namespace: string };
  spec: {
    replicas: number;
    selector: { matchLabels: Record<string, string> };
    template: {
      metadata: { labels: Record<string, string> };
      spec: {
        terminationGracePeriodSeconds: number;
        securityContext: { runAsNonRoot: boolean };
        containers: Container[];
      };
    };
  };
}

describe('deploy/k8s manifests', () => {
  it('validate against the Kubernetes schemas of their kinds', () => {
    expect(manifests.length).toBeGreaterThanOrEqual(8);
    for (const { file, o } of manifests) {
      const model = MODELS[`${String(o.apiVersion)}/${String(o.kind)}`];
      expect(
        model,
        `${file}: no schema for ${String(o.apiVersion)} ${String(o.kind)}`,
      ).toBeDefined();
      expect(() => new model!(o as never).validate(), file).not.toThrow();
      expect((o.metadata as Obj).namespace ?? 'parley', file).toBe('parley');
    }
  });

  it('are all listed in kustomization.yaml (the example Secret deliberately not)', () => {
    const [k] = load('kustomization.yaml') as [{ resources: string[]; namespace: string }];
    expect(k.namespace).toBe('parley');
    const expected = files.filter((f) => f !== 'kustomization.yaml' && f !== 'secret.example.yaml');
    expect([...k.resources].sort()).toEqual(expected.sort());
  });

  const deployment = byKind('Deployment') as DeploymentDoc;
  const pod = deployment.spec.template;
  const container = pod.spec.containers[0]!;
  const labels = pod.metadata.labels;

  it('Deployment: probes on /readyz and /livez, graceful drain, bounded resources, no root', () => {
    expect(deployment.spec.replicas).toBeGreaterThanOrEqual(2);
    for (const [k, v] of Object.entries(deployment.spec.selector.matchLabels))
      expect(labels[k]).toBe(v);
    const http = container.ports.find((p) => p.name === 'http');
    expect(http?.containerPort).toBe(8080);
    expect(container.env?.find((e) => e.name === 'PORT')?.value).toBe('8080');
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(container.livenessProbe.httpGet).toEqual({ path: '/livez', port: 'http' });
    expect(container.startupProbe?.httpGet).toEqual({ path: '/livez', port: 'http' });
    // Liveness must tolerate a draining node: it stays on /livez, which keeps answering 200.
    expect(container.livenessProbe.httpGet.path).not.toBe('/readyz');

    const preStop = container.lifecycle.preStop.exec.command;
    expect(preStop[0]).toBe('sleep');
    const preStopS = Number(preStop[1]);
    const shutdownS = SPEC.shutdownTimeoutMs.default / 1000;
    expect(pod.spec.terminationGracePeriodSeconds).toBeGreaterThan(preStopS + shutdownS);

    expect(container.resources.requests.cpu).toBeTruthy();
    expect(container.resources.requests.memory).toBeTruthy();
    expect(container.resources.limits.memory).toBeTruthy();
    expect(pod.spec.securityContext.runAsNonRoot).toBe(true);
    expect(container.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
    });
  });

  it('Deployment reads only variables Parley knows, from the ConfigMap and Secret present', () => {
    const known = new Set(Object.values(SPEC).map((s) => s.env));
    const configMap = byKind('ConfigMap') as { metadata: { name: string }; data: Obj };
    const [secret] = load('secret.example.yaml') as [
      { metadata: { name: string }; stringData: Obj },
    ];
    expect(container.envFrom).toEqual([
      { configMapRef: { name: configMap.metadata.name } },
      { secretRef: { name: secret.metadata.name } },
    ]);
    for (const name of [
      ...Object.keys(configMap.data),
      ...Object.keys(secret.stringData),
      ...(container.env ?? []).map((e) => e.name),
    ])
      expect(known, name).toContain(name);
    // Several replicas: they must share the token secret and an external database and broker.
    expect(Object.keys(secret.stringData)).toEqual(
      expect.arrayContaining(['DATABASE_URL', 'REDIS_URL', 'JWT_SECRET']),
    );
  });

  it('Service, Ingress, PodDisruptionBudget and HPA point at the Deployment', () => {
    const service = byKind('Service') as {
      metadata: { name: string };
      spec: { selector: Record<string, string>; ports: { name: string; targetPort: string }[] };
    };
    for (const [k, v] of Object.entries(service.spec.selector)) expect(labels[k]).toBe(v);
    expect(service.spec.ports.map((p) => p.targetPort)).toEqual(['http']);

    const ingress = byKind('Ingress') as {
      metadata: { annotations: Record<string, string> };
      spec: {
        rules: {
          http: { paths: { backend: { service: { name: string; port: { name: string } } } }[] };
        }[];
      };
    };
    const backends = ingress.spec.rules.flatMap((r) => r.http.paths.map((p) => p.backend.service));
    expect(backends.length).toBeGreaterThan(0);
    for (const b of backends) {
      expect(b.name).toBe(service.metadata.name);
      expect(service.spec.ports.map((p) => p.name)).toContain(b.port.name);
    }
    const a = ingress.metadata.annotations;
    expect(Number(a['nginx.ingress.kubernetes.io/proxy-read-timeout'])).toBeGreaterThanOrEqual(
      3600,
    );
    expect(a['nginx.ingress.kubernetes.io/proxy-buffering']).toBe('off');
    expect(a['nginx.ingress.kubernetes.io/limit-rps']).toBe('10');

    const pdb = byKind('PodDisruptionBudget') as {
      spec: { minAvailable: number; selector: { matchLabels: Record<string, string> } };
    };
    expect(pdb.spec.selector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
    expect(pdb.spec.minAvailable).toBeLessThan(deployment.spec.replicas);

    const hpa = byKind('HorizontalPodAutoscaler') as {
      spec: {
        scaleTargetRef: { apiVersion: string; kind: string; name: string };
        minReplicas: number;
        maxReplicas: number;
      };
    };
    expect(hpa.spec.scaleTargetRef).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: deployment.metadata.name,
    });
    expect(hpa.spec.minReplicas).toBeGreaterThan(pdb.spec.minAvailable);
    expect(hpa.spec.maxReplicas).toBeGreaterThan(hpa.spec.minReplicas);
  });
});
