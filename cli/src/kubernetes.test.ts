/**
 * The Kubernetes manifests (infra/k8s), rendered per overlay by `kubectl kustomize`:
 * every object valid against the Kubernetes, Argo Rollouts and CloudNativePG schemas
 * (manifest-schemas.ts), and wired to what the processes really serve and read — probe
 * paths and ports, environment names, the database and Redis endpoints the operators'
 * objects create, the Rollout's Services, Ingress and analyses, the drain.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { documentedEnv, readRepoFile, renderOverlay, type Yaml } from './delivery-files.js';
import { schemaErrors, strictFieldErrors } from './manifest-schemas.js';

/** The port each process listens on (README configuration table and ConfigMap), by name. */
const ports: Record<string, { name: string; port: number }> = {
  api: { name: 'http', port: 3000 },
  collab: { name: 'ws', port: 1234 },
  worker: { name: 'health', port: 3001 },
};
/** Contract: SIGTERM → stores, closes sockets and exits within 10 s. */
const DRAIN_SECONDS = 10;
const documented = documentedEnv();

describe.each(['staging', 'production'])('overlay %s', (overlay) => {
  const objects = renderOverlay(overlay);
  const byKind = (kind: string) => objects.filter((o) => o.kind === kind);
  const named = (kind: string, name: string) => byKind(kind).find((o) => o.metadata.name === name);
  const workloads = [...byKind('Deployment'), ...byKind('Rollout')];
  const config = named('ConfigMap', 'folio-config').data as Record<string, string>;

  it('validates every object against the Kubernetes, Argo Rollouts and CloudNativePG schemas', async () => {
    const errors: string[] = [];
    for (const object of objects) {
      for (const error of await schemaErrors(object))
        errors.push(`${object.kind}/${object.metadata.name}: ${error}`);
    }
    expect(errors).toEqual([]);
    expect(strictFieldErrors(objects)).toEqual([]);
  });

  it('renders each process with its Service, PDB and HPA, a migration Job, in one namespace', () => {
    const namespace = overlay === 'production' ? 'folio' : 'folio-staging';
    for (const o of objects) expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBe(namespace);
    expect(workloads.map((w) => `${w.kind}/${w.metadata.name}`).sort()).toEqual([
      'Deployment/folio-api',
      'Deployment/folio-worker',
      'Rollout/folio-collab',
    ]);
    for (const workload of workloads) {
      const name = workload.metadata.name;
      for (const kind of ['Service', 'PodDisruptionBudget', 'HorizontalPodAutoscaler']) {
        expect(named(kind, name), `${kind} ${name}`).toBeDefined();
      }
      const hpa = named('HorizontalPodAutoscaler', name);
      expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: workload.apiVersion, kind: workload.kind, name });
      expect(hpa.spec.minReplicas).toBeLessThanOrEqual(hpa.spec.maxReplicas);
      const pdb = named('PodDisruptionBudget', name);
      for (const [key, value] of Object.entries(pdb.spec.selector.matchLabels)) {
        expect(workload.spec.template.metadata.labels[key]).toBe(value);
      }
    }
    const job = named('Job', 'folio-migrate');
    expect(job.spec.template.spec.containers[0].args).toEqual(['migrate']);
    expect(job.spec.template.spec.restartPolicy).toBe('Never');
    expect(byKind('Secret')).toEqual([]);
  });

  it('probes /healthz and /readyz on the port each process serves, drains within the grace period', () => {
    for (const workload of workloads) {
      const process = workload.metadata.name.replace(/^folio-/, '');
      const pod = workload.spec.template.spec;
      const [container] = pod.containers;
      expect(container.args).toEqual([process]);
      expect(container.image).toMatch(/^ghcr\.io\/folio\/folio:/);
      const expected = ports[process] as { name: string; port: number };
      expect(container.ports).toEqual([
        { name: expected.name, containerPort: expected.port, protocol: 'TCP' },
      ]);
      expect(config[`${process === 'collab' ? 'COLLAB' : process.toUpperCase()}_PORT`]).toBe(
        String(expected.port),
      );
      expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: expected.name });
      expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: expected.name });
      expect(container.startupProbe.httpGet).toEqual({ path: '/healthz', port: expected.name });
      expect(workload.spec.template.metadata.annotations['prometheus.io/port']).toBe(String(expected.port));
      // preStop lets endpoints and the Ingress drop the pod, then SIGTERM's drain
      const preStop = Number(container.lifecycle?.preStop?.exec.command[1] ?? 0);
      expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(preStop + DRAIN_SECONDS + 5);
      const service = named('Service', workload.metadata.name);
      expect(service.spec.ports[0]).toMatchObject({ port: expected.port, targetPort: expected.name });
      for (const [key, value] of Object.entries(service.spec.selector)) {
        expect(workload.spec.template.metadata.labels[key]).toBe(value);
      }
      const gib = (q: string) =>
        Number.parseFloat(q) * ({ Mi: 1 / 1024, Gi: 1 }[q.replace(/^[\d.]+/, '')] ?? NaN);
      const { requests, limits } = container.resources;
      expect(gib(requests.memory)).toBeLessThanOrEqual(gib(limits.memory));
      expect(pod.securityContext.runAsNonRoot).toBe(true);
      expect(container.securityContext.allowPrivilegeEscalation).toBe(false);
    }
  });

  it('reads only documented variables; secrets by reference; database URLs on the CNPG and pooler Services', () => {
    const cluster = named('Cluster', 'folio-pg');
    const poolers = byKind('Pooler');
    const hosts = new Set([
      `${cluster.metadata.name}-rw`,
      ...poolers
        .filter((p: Yaml) => p.spec.cluster.name === cluster.metadata.name)
        .map((p: Yaml) => p.metadata.name),
    ]);
    const database = cluster.spec.bootstrap.initdb.database;
    for (const workload of [...workloads, named('Job', 'folio-migrate')]) {
      const [container] = workload.spec.template.spec.containers;
      expect(container.envFrom).toEqual([{ configMapRef: { name: 'folio-config' } }]);
      const fromSecrets = new Set<string>();
      for (const variable of container.env) {
        if (variable.valueFrom) {
          expect(Object.keys(variable.valueFrom)).toEqual(['secretKeyRef']);
          fromSecrets.add(variable.name);
          continue;
        }
        // an inline value only composes secret references (a URL with a password), never a secret
        const references = [...variable.value.matchAll(/\$\(([A-Z_]+)\)/g)].map((m) => m[1]);
        expect(references.length, `${variable.name} is composed`).toBeGreaterThan(0);
        for (const reference of references) expect(fromSecrets.has(reference), reference).toBe(true);
        expect(documented.has(variable.name), `${variable.name} is in the README`).toBe(true);
        const url = new URL(variable.value.replace(/\$\(([A-Z_]+)\)/g, 'x'));
        expect(hosts.has(url.hostname), `${variable.name} → ${url.hostname}`).toBe(true);
        expect(url.pathname).toBe(`/${database}`);
      }
      // names set only to compose another are not read by Folio; every other name is documented
      const composing = new Set(
        container.env.flatMap((v: Yaml) =>
          [...(v.value ?? '').matchAll(/\$\(([A-Z_]+)\)/g)].map((m) => m[1]),
        ),
      );
      for (const variable of container.env) {
        if (!composing.has(variable.name)) expect(documented.has(variable.name), variable.name).toBe(true);
      }
    }
    for (const name of Object.keys(config))
      expect(documented.has(name), `${name} is in the README`).toBe(true);
    const env = (name: string, variable: string) =>
      named('Deployment', name).spec.template.spec.containers[0].env.find((v: Yaml) => v.name === variable)
        ?.value ?? '';
    // search reads the replicas' pooler; the worker (LISTEN) bypasses the transaction pooler
    const replicaPooler = poolers.find((p: Yaml) => p.spec.type === 'ro');
    expect(new URL(env('folio-api', 'DATABASE_REPLICA_URL').replace(/\$\(\w+\)/g, 'x')).hostname).toBe(
      replicaPooler.metadata.name,
    );
    expect(new URL(env('folio-worker', 'DATABASE_URL').replace(/\$\(\w+\)/g, 'x')).hostname).toBe(
      `${cluster.metadata.name}-rw`,
    );
    expect(poolers.find((p: Yaml) => p.spec.type === 'rw').spec.pgbouncer.poolMode).toBe('transaction');
  });

  it('runs Postgres with failover and synchronous replication, and Redis with a Sentinel quorum Folio can reach', () => {
    const cluster = named('Cluster', 'folio-pg');
    expect(cluster.spec.instances).toBeGreaterThanOrEqual(2);
    expect(cluster.spec.postgresql.synchronous.number).toBeGreaterThanOrEqual(1);
    expect(cluster.spec.backup.barmanObjectStore.destinationPath).toMatch(/^s3:\/\//);
    expect(named('ScheduledBackup', 'folio-pg-daily').spec.cluster.name).toBe('folio-pg');

    const redis = named('StatefulSet', 'folio-redis');
    const service = named('Service', redis.spec.serviceName);
    expect(service.spec.clusterIP).toBe('None');
    const sentinelPort = service.spec.ports.find((p: Yaml) => p.name === 'sentinel').port;
    const podNames = Array.from(
      { length: redis.spec.replicas },
      (_, i) => `${redis.metadata.name}-${i}.${service.metadata.name}`,
    );
    expect(config.REDIS_SENTINELS?.split(',')).toEqual(podNames.map((host) => `${host}:${sentinelPort}`));
    expect(redis.spec.replicas).toBeGreaterThanOrEqual(3);
    // the scripts' defaults (redis-sentinel.test.ts runs them with loopback overrides)
    const scripts = named('ConfigMap', 'folio-redis-scripts').data as Record<string, string>;
    const defaults = Object.fromEntries(
      [...(scripts['env.sh'] ?? '').matchAll(/^(\w+)="\$\{\w+:-(.*)\}"$/gm)].map((m) => [m[1], m[2]]),
    );
    expect(defaults.master_name).toBe(config.REDIS_SENTINEL_MASTER);
    expect(defaults.sentinel_port).toBe(String(sentinelPort));
    expect(defaults.peers?.split(' ')).toEqual(config.REDIS_SENTINELS?.split(','));
    expect(defaults.seed).toBe(`${podNames[0]} 6379`);
    expect(defaults.self_host).toBe(`$(hostname).${service.metadata.name}`);
    for (const [file, script] of Object.entries(scripts)) {
      expect(spawnSync('sh', ['-n'], { input: script }).status, file).toBe(0);
    }
    const containers = redis.spec.template.spec.containers;
    expect(containers.map((c: Yaml) => c.command)).toEqual([
      ['sh', '/scripts/redis.sh'],
      ['sh', '/scripts/sentinel.sh'],
    ]);
    const policy = named('NetworkPolicy', 'folio-redis');
    expect(policy.spec.ingress[0].from[0].podSelector.matchLabels).toEqual({
      'app.kubernetes.io/name': 'folio',
    });
  });

  it('rolls the collaboration server out by canary, with analyses that abort and roll back', () => {
    const rollout = named('Rollout', 'folio-collab');
    const canary = rollout.spec.strategy.canary;
    expect(named('Service', canary.stableService)).toBeDefined();
    expect(named('Service', canary.canaryService)).toBeDefined();
    // Argo clones each stable Ingress for the canary: they must route only to the stable Service
    const ingresses = canary.trafficRouting.nginx.stableIngresses.map((name: string) =>
      named('Ingress', name),
    );
    expect(ingresses.map((i: Yaml) => i.metadata.name).sort()).toEqual(['folio-collab', 'folio-collab-yjs']);
    for (const ingress of ingresses) {
      const backends = ingress.spec.rules.flatMap((r: Yaml) =>
        r.http.paths.map((p: Yaml) => p.backend.service.name),
      );
      expect(new Set(backends)).toEqual(new Set([canary.stableService]));
      expect(`wss://${ingress.spec.rules[0].host}`).toBe(config.COLLAB_PUBLIC_URL);
      expect(
        Number(ingress.metadata.annotations['nginx.ingress.kubernetes.io/proxy-read-timeout']),
      ).toBeGreaterThan(60);
    }
    // y-websocket URLs name the document (/yjs/<id>): hashed by path, a document's clients share a node
    const yjs = named('Ingress', 'folio-collab-yjs');
    expect(yjs.spec.rules[0].http.paths[0].path).toBe('/yjs/');
    expect(yjs.metadata.annotations['nginx.ingress.kubernetes.io/upstream-hash-by']).toBe('$uri');
    expect(
      named('Ingress', 'folio-collab').metadata.annotations['nginx.ingress.kubernetes.io/upstream-hash-by'],
    ).toBeUndefined();
    expect(`https://${named('Ingress', 'folio-api').spec.rules[0].host}`).toBe(config.PUBLIC_URL);
    expect(rollout.spec.progressDeadlineAbort).toBe(true);

    const referenced = [
      ...canary.analysis.templates,
      ...canary.steps.flatMap((s: Yaml) => s.analysis?.templates ?? []),
    ].map((t: Yaml) => t.templateName);
    expect(new Set(referenced)).toEqual(
      new Set(['folio-collab-errors', 'folio-collab-health', 'folio-smoke']),
    );
    for (const name of referenced) {
      const template = named('AnalysisTemplate', name);
      const given = [
        ...canary.analysis.args,
        ...canary.steps.flatMap((s: Yaml) => s.analysis?.args ?? []),
      ].map((a: Yaml) => a.name);
      for (const arg of template.spec.args) {
        if (arg.value === undefined) expect(given, `${name} needs ${arg.name}`).toContain(arg.name);
      }
    }
    const health = named('AnalysisTemplate', 'folio-collab-health').spec.metrics[0].provider.web.url;
    expect(health).toBe(`http://${canary.canaryService}.{{args.namespace}}.svc:${ports.collab?.port}/readyz`);
    const smoke = named('AnalysisTemplate', 'folio-smoke').spec.metrics[0].provider.job.spec.template.spec
      .containers[0];
    expect(smoke.args).toEqual(['smoke']);
    expect(readRepoFile('infra/docker/entrypoint.sh')).toContain(
      'smoke) exec node /usr/local/lib/folio-smoke.mjs',
    );
    const smokeEnv = Object.fromEntries(smoke.env.map((v: Yaml) => [v.name, v.value]));
    expect(smokeEnv.SMOKE_COLLAB_URL).toContain(`${canary.canaryService}.`);
    for (const name of Object.keys(smokeEnv))
      expect(readRepoFile('infra/docker/smoke.mjs')).toContain(`process.env.${name}`);
  });
});
