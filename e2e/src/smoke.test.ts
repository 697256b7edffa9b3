/**
 * The deploy smoke test (infra/docker/smoke.mjs: the pipeline's staging/production check
 * and the Argo Rollouts analysis Job) against the real `pnpm start`: it passes on a
 * healthy Folio, leaves no document behind, and fails, naming the check, when the
 * collaboration node it is pointed at does not answer.
 */
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { embeddedStartEnv, firstAdminToken, run, type Spawned, spawnProcess } from './processes.js';

let dataDir: string;
let started: Spawned | undefined;
let token = '';
let apiUrl = '';
let collabUrl = '';
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'folio-smoke-'));
  started = spawnProcess('pnpm', ['start'], embeddedStartEnv(dataDir));
  token = await firstAdminToken(started, 45_000);
  apiUrl = (await started.waitFor(/REST API:\s+(http:\S+)/))[1] as string;
  collabUrl = (await started.waitFor(/health: (http:\S+)\/healthz\)/))[1] as string;
}, 60_000);
afterAll(async () => {
  await started?.stop('SIGKILL');
  await rm(dataDir, { recursive: true, force: true });
});

const smoke = (env: NodeJS.ProcessEnv) => run('node', ['infra/docker/smoke.mjs'], env);

it('passes against a healthy Folio: REST write and read, a y-websocket sync, then deletes its document', async () => {
  const result = await smoke({ SMOKE_API_URL: apiUrl, SMOKE_COLLAB_URL: collabUrl, SMOKE_TOKEN: token });
  expect(result.code, result.stderr).toBe(0);
  expect(result.stdout).toContain('smoke: ok WebSocket');
  expect(result.stdout).toContain('smoke: ok DELETE');
  expect(result.stdout).toContain('smoke: passed');
  const list = await fetch(`${apiUrl}/v1/documents`, { headers: { authorization: `Bearer ${token}` } });
  const { items } = (await list.json()) as { items: { title: string }[] };
  expect(items.filter((d) => d.title.startsWith('smoke-'))).toEqual([]);
});

it('fails, naming the check, on a bad token or a collaboration node that does not answer', async () => {
  const refused = await smoke({ SMOKE_API_URL: apiUrl, SMOKE_TOKEN: 'folio_not-a-token' });
  expect(refused.code).toBe(1);
  expect(refused.stderr).toMatch(/smoke: FAILED GET \S+\/v1\/me answered 401, expected 200/);

  // a port that was free a moment ago: nothing listens there
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  const down = await smoke({ SMOKE_API_URL: apiUrl, SMOKE_COLLAB_URL: `http://127.0.0.1:${port}` });
  expect(down.code).toBe(1);
  expect(down.stderr).toContain(`smoke: FAILED GET http://127.0.0.1:${port}/healthz: ECONNREFUSED`);

  const missing = await smoke({ SMOKE_API_URL: '' });
  expect(missing.code).toBe(2);
});
