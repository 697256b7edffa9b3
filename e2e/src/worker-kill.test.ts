import { documentCreator, userCreator, webhookRegistrar } from '@folio/shared/commands';
import { listWorkspacesOfUser } from '@folio/shared/db';
import { createTestDatabase, type TestDatabase } from '@folio/shared/testing';
import { startWebhookReceiver, type WebhookReceiver } from '@folio/worker/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { eventually } from './harness.js';
import { type Spawned, spawnProcess } from './processes.js';

// A worker process killed with SIGKILL while it is sending a webhook loses nothing: the
// next worker sends the same delivery (same webhook-id) once the dead one's lease ends.
let t: TestDatabase;
let receiver: WebhookReceiver;
const workers: Spawned[] = [];

beforeAll(async () => {
  t = await createTestDatabase();
  receiver = await startWebhookReceiver();
});
afterAll(async () => {
  for (const w of workers) await w.stop('SIGKILL');
  await receiver?.close();
  await t?.drop();
});

const spawnWorker = async () => {
  const worker = spawnProcess('node', ['e2e/dist/worker-child.js'], { DATABASE_URL: t.url });
  workers.push(worker);
  await worker.waitFor(/worker ready/, 30_000);
  return worker;
};

it('a worker killed mid-delivery: the next one delivers it, with the same webhook-id', async () => {
  const user = await userCreator(t.db, { email: 'killed.worker@example.com', name: 'K', actorId: null });
  const workspaceId = (await listWorkspacesOfUser(t.db, user.id))[0]?.id as string;
  const hook = await webhookRegistrar(t.db, {
    workspaceId,
    url: receiver.url('/kill'),
    events: ['document.created'],
    actorId: user.id,
    allowPrivateTargets: true,
  });
  receiver.plan('/kill', ['hang']);
  const first = await spawnWorker();
  const document = await documentCreator(t.db, { workspaceId, title: 'Doomed worker', actorId: user.id });
  await eventually(() => expect(receiver.received('/kill')).toHaveLength(1), { timeout: 15_000 });
  expect(await first.stop('SIGKILL')).toBeNull();
  const hung = receiver.received('/kill')[0];

  await spawnWorker();
  await eventually(() => expect(receiver.delivered('/kill')).toHaveLength(1), { timeout: 30_000 });
  const delivered = receiver.delivered('/kill')[0];
  expect(delivered?.id).toBe(hung?.id);
  expect(delivered?.event).toMatchObject({ type: 'document.created', data: { documentId: document.id } });
  expect(receiver.received('/kill')).toHaveLength(2);
  receiver.verify('/kill', hook.secret);
});
