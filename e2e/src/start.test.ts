import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { embeddedStartEnv, firstAdminToken, run, type Spawned, spawnProcess } from './processes.js';

// `pnpm start` on a fresh, embedded database: what a newcomer does first.
describe('pnpm start with the embedded database', () => {
  let dataDir: string;
  let started: Spawned | undefined;
  /** Every process started, stopped at the end even if a test failed before stopping it. */
  const spawned: Spawned[] = [];
  const start = (command: string, args: string[]) => {
    const child = spawnProcess(command, args, env());
    spawned.push(child);
    return child;
  };
  const env = () => embeddedStartEnv(dataDir);

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'folio-start-'));
  });
  afterAll(async () => {
    await Promise.all(spawned.map((p) => p.stop('SIGKILL')));
    await rm(dataDir, { recursive: true, force: true });
  });

  it('serves health on both processes, prints a first admin token once and stops cleanly on SIGTERM', async () => {
    started = start('pnpm', ['start']);
    const token = await firstAdminToken(started, 45_000);
    const apiUrl = (await started.waitFor(/REST API:\s+(http:\S+)/))[1] as string;
    const collabUrl = (await started.waitFor(/health: (http:\S+)\/healthz\)/))[1] as string;

    for (const base of [apiUrl, collabUrl]) {
      const health = await fetch(`${base}/healthz`);
      expect(health.status, base).toBe(200);
      const ready = await fetch(`${base}/readyz`);
      expect(ready.status, base).toBe(200);
      expect(await ready.json()).toMatchObject({ ok: true, checks: { database: { ok: true } } });
      const metrics = await (await fetch(`${base}/metrics`)).text();
      expect(metrics).toContain('process_cpu_seconds_total');
    }
    expect(await (await fetch(`${collabUrl}/metrics`)).text()).toContain('folio_connections');
    expect(token).toMatch(/^folio_[\w-]{43}$/);
    const me = await fetch(`${apiUrl}/v1/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ email: 'admin@folio.localhost', role: 'admin' });

    // While it runs, the embedded database is its alone: the CLI's commands run inside it.
    const viaSocket = await run(
      'pnpm',
      ['--silent', 'folio', 'user', 'create', '--email', 'live@example.com'],
      env(),
    );
    expect(viaSocket.stderr).toBe('');
    expect(viaSocket.code).toBe(0);
    expect(JSON.parse(viaSocket.stdout)).toMatchObject({ email: 'live@example.com' });
    const duplicate = await run(
      'pnpm',
      ['--silent', 'folio', 'user', 'create', '--email', 'live@example.com'],
      env(),
    );
    expect(duplicate).toMatchObject({
      code: 1,
      stderr: 'folio: a user with email live@example.com already exists\n',
    });
    const badRole = await run(
      'pnpm',
      ['--silent', 'folio', 'user', 'create', '--email', 'r@example.com', '--role', 'god'],
      env(),
    );
    expect(badRole.code).toBe(2);
    const issued = await run(
      'pnpm',
      ['--silent', 'folio', 'token', 'create', '--email', 'live@example.com'],
      env(),
    );
    expect(issued.code).toBe(0);
    expect(issued.stdout.trim().split('\n').at(-1)).toMatch(/^folio_[\w-]{43}$/);

    // pnpm itself dies of the signal at once; what matters is that Folio shuts down
    // cleanly, which releases the embedded database's lock file: wait for that, within
    // the contract's 10 s, as the node process finishes a moment after pnpm.
    await started.stop('SIGTERM');
    await vi.waitFor(() => expect(existsSync(join(dataDir, 'pg.lock'))).toBe(false), {
      timeout: 10_000,
      interval: 100,
    });
  });

  it('keeps its data: the CLI works on it afterwards, and a restart prints no new token', async () => {
    const created = await run(
      'pnpm',
      ['--silent', 'folio', 'user', 'create', '--email', 'Reader@Example.com', '--name', 'Reader'],
      env(),
    );
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({
      email: 'reader@example.com',
      name: 'Reader',
      role: 'member',
    });

    const again = await run(
      'pnpm',
      ['--silent', 'folio', 'user', 'create', '--email', 'reader@example.com'],
      env(),
    );
    expect(again.code).toBe(1);
    expect(again.stderr.trim()).toBe('folio: a user with email reader@example.com already exists');

    // What `pnpm start` runs, without pnpm in between, to see its own exit code.
    started = start('node', ['cli/dist/start.js']);
    await started.waitFor(/Collaboration:/, 45_000);
    expect(started.output()).not.toContain('First admin');
    expect(started.output()).toContain('folio token create --email admin@folio.localhost');
    expect(await started.stop('SIGINT')).toBe(0);
  });
});
