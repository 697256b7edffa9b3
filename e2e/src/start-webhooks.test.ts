import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startWebhookReceiver, type WebhookReceiver } from '@folio/worker/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { eventually } from './harness.js';
import { embeddedStartEnv, firstAdminToken, type Spawned, spawnProcess } from './processes.js';

// `pnpm start` alone (embedded PGlite, in-process worker) delivers signed webhooks to a
// receiver on loopback, including document.updated from collaboration's update log.
let dataDir: string;
let started: Spawned | undefined;
let receiver: WebhookReceiver;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'folio-hooks-'));
  receiver = await startWebhookReceiver();
});
afterAll(async () => {
  await started?.stop('SIGKILL');
  await receiver?.close();
  await rm(dataDir, { recursive: true, force: true });
});

it('delivers webhooks from pnpm start to a loopback receiver', async () => {
  started = spawnProcess(
    'node',
    ['cli/dist/start.js'],
    embeddedStartEnv(dataDir, { WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true', WEBHOOK_DEBOUNCE_MS: '500' }),
  );
  // A fresh embedded database takes a while on a busy machine (PGlite initdb, migrations).
  const token = await firstAdminToken(started, 90_000);
  const apiUrl = (await started.waitFor(/REST API:\s+(http:\S+)/))[1] as string;
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    expect(response.ok, await response.clone().text()).toBe(true);
    return (await response.json()) as Record<string, unknown>;
  };
  const workspaces = (await call('GET', '/v1/workspaces')).items as { id: string }[];
  const workspaceId = workspaces[0]?.id as string;
  const hook = await call('POST', `/v1/workspaces/${workspaceId}/webhooks`, {
    url: receiver.url('/start'),
    events: ['*'],
  });
  const document = await call('POST', '/v1/documents', { title: 'Hooked on start', workspaceId });
  const edited = Date.now();
  await call('PUT', `/v1/documents/${document.id}/content`, { text: 'an edit' });
  await eventually(
    () => {
      const types = receiver.delivered('/start').map((r) => r.event.type);
      expect(types).toEqual(['document.created', 'document.updated']);
    },
    { timeout: 20_000 },
  );
  const latencyMs = Date.now() - edited;
  process.stdout.write(`edit to document.updated webhook: ${latencyMs} ms (debounce 500 ms)\n`);
  receiver.verify('/start', hook.secret as string);
  expect(receiver.delivered('/start')[1]?.event.data).toMatchObject({ documentId: document.id, workspaceId });
  expect(await started.stop('SIGTERM')).toBe(0);
}, 150_000);
