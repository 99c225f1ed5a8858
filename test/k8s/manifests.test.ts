// The Kubernetes manifests (infra/k8s), checked without a cluster: the API's own schemas
// (infra/k8s/validate.mjs, kubernetes-models), each Deployment's environment parsed by the
// service's real config schema, and the wiring between objects (selectors, ports, probes,
// autoscalers, network policies) that no schema sees.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { erasureIdSecret, parseConfig } from '@sightline/config';
import { config as ingest } from '../../services/ingest/src/config';
import { config as fingerprint } from '../../services/session-fingerprint/src/config';
import { config as aggregator } from '../../services/bitmap-aggregator/src/config';
import { config as query } from '../../services/query/src/config';
import { config as gateway } from '../../services/gateway/src/config';

const root = join(__dirname, '..', '..');
const k8s = join(root, 'infra', 'k8s');
const validator = join(k8s, 'validate.mjs');

type Obj = Record<string, any>;
interface Doc { file: string; kind: string; name: string; object: Obj }

function validate(dir: string) {
  const run = spawnSync(process.execPath, [validator, dir], { encoding: 'utf8', cwd: root });
  return { status: run.status, ...(JSON.parse(run.stdout) as { documents: Doc[]; errors: Array<{ file: string; path: string; reason: string }> }) };
}

const configs = { ingest, 'session-fingerprint': fingerprint, 'bitmap-aggregator': aggregator, query, gateway };
type ServiceName = keyof typeof configs;
const services = Object.keys(configs) as ServiceName[];

/** A stand-in a secret's config field accepts: a URL for *-url keys, else a long random-looking string. */
const secretValue = (key: string) =>
  key === 'redis-url' ? 'redis://:secret@redis:6379' : key.endsWith('-url') ? 'postgresql://sightline:secret@postgres:5432/db' : 'k'.repeat(48);

describe('Kubernetes manifests', () => {
  const { status, documents, errors } = validate(k8s);
  const of = (kind: string) => documents.filter((d) => d.kind === kind);
  const find = (kind: string, name: string) => documents.find((d) => d.kind === kind && d.name === name)?.object;
  const configMap = find('ConfigMap', 'sightline-config')!;

  it('every document the kustomization names is valid against the Kubernetes API schemas', () => {
    expect(errors).toEqual([]);
    expect(status).toBe(0);
    expect(of('Deployment').map((d) => d.name).sort()).toEqual([...services].sort());
    expect(of('Service').map((d) => d.name).sort()).toEqual([...services].sort());
  });

  it('the validator refuses a wrong type, a missing file and a kind it does not know', () => {
    const copy = mkdtempSync(join(tmpdir(), 'k8s-'));
    try {
      cpSync(k8s, copy, { recursive: true });
      const file = join(copy, 'query.yaml');
      writeFileSync(file, readFileSync(file, 'utf8').replace('containerPort: 8084', 'containerPort: "eighty"'));
      writeFileSync(join(copy, 'extra.yaml'), 'apiVersion: apps/v1\nkind: Deploymnet\nmetadata: { name: typo }\n');
      const kustomization = join(copy, 'kustomization.yaml');
      writeFileSync(kustomization, readFileSync(kustomization, 'utf8').replace('  - ingress.yaml', '  - ingress.yaml\n  - extra.yaml\n  - missing.yaml'));
      const broken = validate(copy);
      expect(broken.status).toBe(1);
      expect(broken.errors).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ file: 'query.yaml', reason: expect.stringContaining('containerPort must be integer') }),
          expect.objectContaining({ file: 'extra.yaml', reason: expect.stringContaining('Deploymnet') }),
          expect.objectContaining({ file: 'missing.yaml', reason: expect.stringContaining('missing') }),
        ]),
      );
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });

  it.each(services)('%s: its environment is accepted by the service’s own config schema, and names only variables it reads', (name) => {
    const container = find('Deployment', name)!.spec.template.spec.containers[0];
    const env: Record<string, string> = { ...configMap.data };
    const own: string[] = [];
    for (const e of container.env as Obj[]) {
      own.push(e.name);
      env[e.name] = e.value ?? secretValue(e.valueFrom.secretKeyRef.key);
    }
    expect(container.envFrom).toEqual([{ configMapRef: { name: 'sightline-config' } }]);
    // SERVICE picks the entry point in the image (Dockerfile's CMD); everything else is config.
    expect(env.SERVICE).toBe(name);
    const { variables, schema } = configs[name];
    expect(own.filter((v) => v !== 'SERVICE' && !variables.includes(v))).toEqual([]);
    const parsed = parseConfig(schema, env) as Obj;
    expect(parsed.PORT).toBe(Number(container.ports[0].containerPort));
    expect(parsed.HOST).toBe('0.0.0.0');
    expect(parsed.NODE_ENV).toBe('production');
    expect(parsed.TOPIC_PARTITIONS).toBe(8);
    // Production refuses to start a service that publishes or applies erasures without the erased-id key (issue #16 finding 7c).
    if (['gateway', 'session-fingerprint', 'bitmap-aggregator', 'query'].includes(name)) expect(erasureIdSecret(parsed as { NODE_ENV: string; ERASURE_ID_SECRET?: string })).toBe(secretValue('erasure-id-secret'));
  });

  it('every shared setting is read by at least one service', () => {
    const read = new Set(services.flatMap((s) => configs[s].variables));
    expect(Object.keys(configMap.data).filter((k) => !read.has(k))).toEqual([]);
  });

  it.each(services)('%s: probes, resources, an unprivileged container, a Service that reaches it and a disruption budget', (name) => {
    const deployment = find('Deployment', name)!;
    const labels = deployment.spec.template.metadata.labels;
    expect(deployment.spec.selector.matchLabels).toEqual(labels);
    const pod = deployment.spec.template.spec;
    const container = pod.containers[0];
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(container.ports.map((p: Obj) => p.name)).toContain('http');
    expect(container.resources.requests.cpu).toBeDefined();
    expect(container.resources.requests.memory).toBe(container.resources.limits.memory);
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    // The drain: the service's own SHUTDOWN_TIMEOUT_MS must fit in the grace period.
    const shutdownMs = (parseConfig(configs[name].schema, { ...configMap.data, DATABASE_URL: secretValue('x-url') }) as Obj).SHUTDOWN_TIMEOUT_MS;
    expect(pod.terminationGracePeriodSeconds * 1000).toBeGreaterThan(shutdownMs);

    const service = find('Service', name)!;
    expect(service.spec.selector).toEqual(labels);
    expect(service.spec.ports[0].targetPort).toBe('http');
    expect(find('PodDisruptionBudget', name)!.spec.selector.matchLabels).toEqual(labels);
  });

  it('the HTTP front doors scale on CPU; the consumers are left to lag-based scaling', () => {
    const targets = of('HorizontalPodAutoscaler').map((d) => d.object.spec.scaleTargetRef);
    expect(targets).toEqual([
      { apiVersion: 'apps/v1', kind: 'Deployment', name: 'ingest' },
      { apiVersion: 'apps/v1', kind: 'Deployment', name: 'gateway' },
    ]);
    for (const hpa of of('HorizontalPodAutoscaler')) expect(hpa.object.spec.minReplicas).toBeGreaterThanOrEqual(2);
  });

  it('network policies: deny by default; the read APIs (no auth by design) only from the gateway; the Ingress only to the front doors', () => {
    const policies = of('NetworkPolicy').map((d) => d.object);
    const denyAll = policies.find((p) => Object.keys(p.spec.podSelector).length === 0 && !p.spec.ingress);
    expect(denyAll?.spec.policyTypes).toEqual(['Ingress']);
    /** Which pods may reach `service` from a pod labelled `from` (same namespace), by the policies' rules. */
    const allowedFromPod = (service: string, from: string) =>
      policies.some((p) => {
        const sel = p.spec.podSelector;
        const selects = !sel.matchExpressions && !sel.matchLabels ? true : (sel.matchExpressions ?? []).every((e: Obj) => e.values.includes(service)) && Object.entries(sel.matchLabels ?? {}).every(([, v]) => v === service);
        return selects && (p.spec.ingress ?? []).some((rule: Obj) => rule.from.some((f: Obj) => f.podSelector?.matchLabels?.['app.kubernetes.io/name'] === from));
      });
    for (const internal of ['bitmap-aggregator', 'query'] as const) {
      expect(allowedFromPod(internal, 'gateway')).toBe(true);
      for (const other of services.filter((s) => s !== 'gateway')) expect(allowedFromPod(internal, other)).toBe(false);
    }
    const ingress = find('Ingress', 'sightline')!;
    const backends = ingress.spec.rules.flatMap((r: Obj) => r.http.paths.map((p: Obj) => p.backend.service.name)).sort();
    expect(backends).toEqual(['gateway', 'ingest']);
    const frontDoors = policies.find((p) => p.metadata.name === 'front-doors-from-ingress')!;
    expect(frontDoors.spec.podSelector.matchExpressions[0].values.sort()).toEqual(['gateway', 'ingest']);
  });

  it('the image the manifests run can start every service: the Dockerfile builds them all, the dashboard included', () => {
    const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/node scripts\/build\.mjs/);
    expect(dockerfile).toMatch(/services\/gateway\/web\/build\.mjs/);
    expect(dockerfile).toMatch(/services\/\$\{SERVICE\}\/dist\/main\.js/);
    expect(execFileSync('git', ['ls-files', 'services/*/package.json'], { cwd: root, encoding: 'utf8' }).trim().split('\n').map((p) => p.split('/')[1]).sort()).toEqual([...services].sort());
  });
});
