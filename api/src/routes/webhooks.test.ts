import { documentUpdateAuditor } from '@folio/shared/commands';
import { claimLaneHead, findWebhook } from '@folio/shared/db';
import { createJobQueue, type JobQueue } from '@folio/shared/jobs';
import { createLogger } from '@folio/shared/logger';
import { createWorker, relayWebhookEvents, type Worker } from '@folio/worker';
import { startWebhookReceiver, type WebhookReceiver } from '@folio/worker/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApi } from '../app.js';
import { buildTestApi, type TestApi } from '../test-app.js';

// End to end on a real receiver on loopback: the API records events, a worker (on the
// same test database, with short timings) relays and delivers them.
let h: TestApi;
let receiver: WebhookReceiver;
let workerJobs: JobQueue;
let worker: Worker;
type User = Awaited<ReturnType<TestApi['user']>>;
let admin: User;
let member: User;
let workspaceId: string;

beforeAll(async () => {
  h = await buildTestApi({ WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' });
  receiver = await startWebhookReceiver();
  const log = createLogger({ level: 'silent', name: 'worker-test' });
  workerJobs = createJobQueue(h.t, log, { role: 'worker', poolSize: 2 });
  await workerJobs.start();
  worker = createWorker(
    { db: h.t.db, jobs: workerJobs, log },
    {
      // Long enough that the two edits below always fall into one window.
      debounceMs: 1_500,
      allowPrivateTargets: true,
      relayIntervalMs: 50,
      repairAfterMs: 1_000,
      deliveryTimeoutMs: 1_000,
      retry: { firstDelayMs: 300, factor: 2, maxDelayMs: 1_000, windowMs: 60_000 },
      disableAfterMs: 60_000,
    },
  );
  await worker.start();
  admin = await h.user('admin.hooks@example.com');
  member = await h.user('member.hooks@example.com');
  workspaceId = (await h.team(admin, [member])).id;
});
afterAll(async () => {
  await worker?.stop();
  await workerJobs?.stop();
  await receiver?.close();
  await h?.close();
});

const json = async <T>(response: Response, status = 200): Promise<T> => {
  expect(response.status, await response.clone().text()).toBe(status);
  return (await response.json()) as T;
};
interface Created {
  id: string;
  url: string;
  events: string[];
  description: string | null;
  secret: string;
  createdAt: string;
}
const register = async (path: string, events: string[] = ['*'], token = admin.token) =>
  json<Created>(
    await h.request(`/v1/workspaces/${workspaceId}/webhooks`, {
      method: 'POST',
      token,
      json: { url: receiver.url(path), events, description: `hook ${path}` },
    }),
    201,
  );
const createDocument = async (title: string) =>
  (
    await json<{ id: string }>(
      await h.request('/v1/documents', { method: 'POST', token: admin.token, json: { title, workspaceId } }),
      201,
    )
  ).id;
const edit = async (documentId: string, text: string) => {
  expect(
    (
      await h.request(`/v1/documents/${documentId}/content`, {
        method: 'PUT',
        token: admin.token,
        json: { text },
      })
    ).status,
  ).toBe(200);
  // The collaboration server's summariser pass (not running here) records the change.
  await documentUpdateAuditor(h.t.db, { holder: 'test', force: true });
};
const types = (path: string, documentId?: string) =>
  receiver
    .delivered(path)
    .filter((r) => documentId === undefined || r.event.data.documentId === documentId)
    .map((r) => r.event.type);
interface Deliveries {
  items: {
    id: string;
    type: string;
    status: string;
    attempts: number;
    lastStatus: number | null;
    lastError: string | null;
    nextAttemptAt: string | null;
    createdAt: string;
  }[];
  nextCursor: string | null;
}
const deliveries = async (webhookId: string, query = '') =>
  json<Deliveries>(await h.request(`/v1/webhooks/${webhookId}/deliveries${query}`, { token: admin.token }));

describe('webhook registration', () => {
  it('creates with a whsec_ secret shown once, lists without it, deletes', async () => {
    const created = await register('/registration', ['document.created', 'document.deleted']);
    expect(created).toMatchObject({
      url: receiver.url('/registration'),
      events: ['document.created', 'document.deleted'],
      description: 'hook /registration',
    });
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const list = await json<{ items: Record<string, unknown>[] }>(
      await h.request(`/v1/workspaces/${workspaceId}/webhooks`, { token: admin.token }),
    );
    const listed = list.items.find((w) => w.id === created.id);
    expect(listed).toMatchObject({ id: created.id, url: created.url, createdAt: created.createdAt });
    expect(JSON.stringify(list)).not.toContain(created.secret);
    expect(
      (await h.request(`/v1/webhooks/${created.id}`, { method: 'DELETE', token: admin.token })).status,
    ).toBe(204);
    expect(
      (await h.request(`/v1/webhooks/${created.id}`, { method: 'DELETE', token: admin.token })).status,
    ).toBe(404);
  });

  it('needs a workspace admin with the admin scope; others see 403 or 404', async () => {
    const body = { url: receiver.url('/nope'), events: ['*'] };
    const path = `/v1/workspaces/${workspaceId}/webhooks`;
    expect((await h.request(path, { method: 'POST', token: member.token, json: body })).status).toBe(403);
    const narrow = await h.user('narrow.hooks@example.com', { scopes: ['read', 'write'] });
    const own = (
      await json<{ items: { id: string }[] }>(await h.request('/v1/workspaces', { token: narrow.token }))
    ).items[0]?.id;
    const refused = await h.request(`/v1/workspaces/${own}/webhooks`, {
      method: 'POST',
      token: narrow.token,
      json: body,
    });
    expect(refused.status).toBe(403);
    const stranger = await h.user('stranger.hooks@example.com');
    expect((await h.request(path, { token: stranger.token })).status).toBe(404);
    const hook = await register('/owned');
    expect((await h.request(`/v1/webhooks/${hook.id}/deliveries`, { token: stranger.token })).status).toBe(
      404,
    );
    expect(
      (await h.request(`/v1/webhooks/${hook.id}`, { method: 'DELETE', token: member.token })).status,
    ).toBe(403);
    await h.request(`/v1/webhooks/${hook.id}`, { method: 'DELETE', token: admin.token });
  });

  it('rejects bad events and URLs naming the field', async () => {
    const path = `/v1/workspaces/${workspaceId}/webhooks`;
    const bad = await h.request(path, {
      method: 'POST',
      token: admin.token,
      json: { url: receiver.url('/x'), events: ['document.exploded'] },
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { field: string }).field).toMatch(/^events/);
    const ftp = await h.request(path, {
      method: 'POST',
      token: admin.token,
      json: { url: 'ftp://example.com/', events: ['*'] },
    });
    expect(ftp.status).toBe(400);
    expect(((await ftp.json()) as { field: string }).field).toBe('url');
  });

  it('refuses loopback, private and link-local targets unless allowed', async () => {
    // The same database, through an API with the default (private targets refused).
    const strict = createApi({
      config: { ...h.config, WEBHOOK_ALLOW_PRIVATE_TARGETS: false },
      db: h.t.db,
      replica: h.t.db,
      log: createLogger({ level: 'silent', name: 'strict' }),
      secretKey: h.config.SECRET_KEY ?? '',
      jobs: h.jobs,
    });
    try {
      for (const url of [
        'http://127.0.0.1:9/',
        'http://localhost/',
        'http://10.1.2.3/',
        'http://192.168.0.1/',
        'http://169.254.169.254/latest/meta-data',
        'http://[::1]/',
        'http://[fe80::1]/',
        'http://[::ffff:127.0.0.1]/',
        'http://100.64.0.1/',
      ]) {
        const response = await strict.app.request(`/v1/workspaces/${workspaceId}/webhooks`, {
          method: 'POST',
          headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ url, events: ['*'] }),
        });
        expect(response.status, url).toBe(400);
        expect(((await response.json()) as { field: string }).field).toBe('url');
      }
    } finally {
      await strict.close();
    }
  });
});

describe('job queue metrics', () => {
  it('reports folio_jobs_* per queue on /metrics', async () => {
    const text = await (await h.request('/metrics')).text();
    for (const name of [
      'folio_jobs_queued',
      'folio_jobs_running',
      'folio_jobs_failed',
      'folio_jobs_oldest_age_seconds',
    ]) {
      expect(text).toMatch(new RegExp(`^${name}\\{queue="webhook-lane"\\} \\d`, 'm'));
      expect(text).toMatch(new RegExp(`^${name}\\{queue="erasure"\\} \\d`, 'm'));
    }
  });

  it('reports how far behind the webhook outboxes are', async () => {
    const text = await (await h.request('/metrics')).text();
    for (const name of ['folio_webhook_outbox_rows', 'folio_webhook_outbox_oldest_age_seconds']) {
      for (const outbox of ['events', 'document_changes']) {
        expect(text).toMatch(new RegExp(`^${name}\\{outbox="${outbox}"\\} \\d`, 'm'));
      }
    }
  });
});

describe('webhook delivery', () => {
  it('delivers every event type, signed, in order per document, with document.updated debounced', async () => {
    const hook = await register('/all');
    const documentId = await createDocument('Hooked');
    expect(
      (
        await h.request(`/v1/documents/${documentId}/permissions/${member.id}`, {
          method: 'PUT',
          token: admin.token,
          json: { role: 'editor' },
        })
      ).status,
    ).toBe(200);
    await edit(documentId, 'first');
    await edit(documentId, 'second');
    await vi.waitFor(() => expect(types('/all', documentId)).toContain('document.updated'), {
      timeout: 10_000,
    });
    expect(
      (
        await h.request(`/v1/documents/${documentId}/permissions/${member.id}`, {
          method: 'DELETE',
          token: admin.token,
        })
      ).status,
    ).toBe(204);
    expect(
      (await h.request(`/v1/documents/${documentId}`, { method: 'DELETE', token: admin.token })).status,
    ).toBe(204);
    await vi.waitFor(
      () =>
        expect(types('/all', documentId)).toEqual([
          'document.created',
          'permission.granted',
          'document.updated',
          'permission.revoked',
          'document.deleted',
        ]),
      { timeout: 10_000 },
    );
    receiver.verify('/all', hook.secret);
    expect(() => receiver.verify('/all', `whsec_${Buffer.alloc(32, 1).toString('base64')}`)).toThrow();
    const received = receiver.delivered('/all').filter((r) => r.event.data.documentId === documentId);
    expect(new Set(received.map((r) => r.id)).size).toBe(received.length);
    const updated = received.find((r) => r.event.type === 'document.updated');
    // Both edits, debounced into one event.
    expect(updated?.event.data).toMatchObject({ documentId, workspaceId, actorIds: [admin.id], agents: [] });
    const { fromSeq, toSeq } = (updated?.event.data ?? {}) as { fromSeq?: number; toSeq?: number };
    expect(fromSeq).toBeGreaterThan(0);
    expect(toSeq).toBeGreaterThan(fromSeq ?? Number.POSITIVE_INFINITY);
    expect(received[0]?.event).toMatchObject({
      type: 'document.created',
      data: { documentId, workspaceId, actorId: admin.id },
    });
    expect(Date.parse(received[0]?.event.timestamp ?? '')).not.toBeNaN();
    const log = await deliveries(hook.id);
    expect(log.items.filter((d) => d.status === 'delivered').length).toBeGreaterThanOrEqual(5);
    expect(log.items[0]).toMatchObject({
      status: 'delivered',
      attempts: 1,
      lastStatus: 204,
      lastError: null,
      nextAttemptAt: null,
    });
  });

  it('only sends subscribed events', async () => {
    await register('/deletions', ['document.deleted']);
    const documentId = await createDocument('Short-lived');
    await h.request(`/v1/documents/${documentId}`, { method: 'DELETE', token: admin.token });
    await vi.waitFor(() => expect(types('/deletions', documentId)).toEqual(['document.deleted']), {
      timeout: 10_000,
    });
  });

  it('retries failures (500, timeout, closed connection) with the same webhook-id, keeping order per document', async () => {
    const hook = await register('/flaky', ['document.created', 'permission.granted']);
    receiver.plan('/flaky', ['fail', 'hang', 'close']);
    const documentId = await createDocument('Flaky');
    // Queued behind the failing one while it is retried.
    await h.request(`/v1/documents/${documentId}/permissions/${member.id}`, {
      method: 'PUT',
      token: admin.token,
      json: { role: 'viewer' },
    });
    await vi.waitFor(
      () => expect(types('/flaky', documentId)).toEqual(['document.created', 'permission.granted']),
      {
        timeout: 15_000,
      },
    );
    const attempts = receiver.received('/flaky').filter((r) => r.event.data.documentId === documentId);
    expect(attempts.map((r) => r.event.type)).toEqual([
      'document.created',
      'document.created',
      'document.created',
      'document.created',
      'permission.granted',
    ]);
    expect(new Set(attempts.slice(0, 4).map((r) => r.id)).size).toBe(1);
    receiver.verify('/flaky', hook.secret);
    const log = await deliveries(hook.id);
    const created = log.items.find((d) => d.type === 'document.created');
    expect(created).toMatchObject({ status: 'delivered', attempts: 4, lastStatus: 204 });
  });

  it('lists deliveries with a cursor and redelivers one with its webhook-id', async () => {
    const hook = await register('/redeliver', ['document.created']);
    const documentIds = [await createDocument('R1'), await createDocument('R2'), await createDocument('R3')];
    await vi.waitFor(() => expect(receiver.delivered('/redeliver')).toHaveLength(3), { timeout: 10_000 });
    const first = await deliveries(hook.id, '?limit=2');
    expect(first.items).toHaveLength(2);
    expect(first.nextCursor).toBeTruthy();
    const rest = await deliveries(hook.id, `?limit=2&cursor=${first.nextCursor}`);
    expect(rest.items).toHaveLength(1);
    expect(rest.nextCursor).toBeNull();
    expect(
      (await h.request(`/v1/webhooks/${hook.id}/deliveries?cursor=bad!`, { token: admin.token })).status,
    ).toBe(400);
    const oldest = rest.items[0];
    const accepted = await h.request(`/v1/webhooks/${hook.id}/deliveries/${oldest?.id}/redeliver`, {
      method: 'POST',
      token: admin.token,
    });
    expect(accepted.status).toBe(202);
    await vi.waitFor(() => expect(receiver.delivered('/redeliver')).toHaveLength(4), { timeout: 10_000 });
    const again = receiver.delivered('/redeliver')[3];
    expect(again?.id).toBe(oldest?.id);
    expect(again?.event.data.documentId).toBe(documentIds[0]);
    const missing = await h.request(`/v1/webhooks/${hook.id}/deliveries/msg_nope/redeliver`, {
      method: 'POST',
      token: admin.token,
    });
    expect(missing.status).toBe(404);
  });

  it('a delivery left leased by a worker that died is delivered by the next one, same webhook-id', async () => {
    const hook = await register('/orphan', ['document.created']);
    // No worker runs while a "dying" one takes the delivery: it relays the event, claims
    // the lane's head (its lease) and is gone before recording anything.
    await worker.stop();
    const documentId = await createDocument('Orphan');
    await relayWebhookEvents({ db: h.t.db, jobs: workerJobs, debounceMs: 0 });
    const claimed = await claimLaneHead(h.t.db, { webhookId: hook.id, lane: documentId, leaseMs: 1_500 });
    expect(claimed.kind).toBe('claimed');
    const orphanId = claimed.kind === 'claimed' ? claimed.delivery.id : '';
    worker = createWorker(
      { db: h.t.db, jobs: workerJobs, log: createLogger({ level: 'silent', name: 'w2' }) },
      worker.config,
    );
    await worker.start();
    await vi.waitFor(() => expect(receiver.delivered('/orphan')).toHaveLength(1), { timeout: 15_000 });
    expect(receiver.received('/orphan')).toHaveLength(1);
    expect(receiver.delivered('/orphan')[0]?.id).toBe(orphanId);
    receiver.verify('/orphan', hook.secret);
    // Recorded as delivered (the receiver may see the request before the worker records it).
    await vi.waitFor(
      async () =>
        expect((await deliveries(hook.id)).items[0]).toMatchObject({ id: orphanId, status: 'delivered' }),
      {
        timeout: 10_000,
      },
    );
  });

  it('tells every workspace of an erased user, with no personal data', async () => {
    const hook = await register('/erasure', ['gdpr.erasure.completed']);
    const leaving = await h.user('leaving.person@example.com');
    await h.join(workspaceId, admin, leaving);
    const officer = await h.user('officer.hooks@example.com', { role: 'compliance' });
    const accepted = await json<{ id: string }>(
      await h.request('/v1/gdpr/erasures', {
        method: 'POST',
        token: officer.token,
        json: { userId: leaving.id },
      }),
      202,
    );
    await vi.waitFor(() => expect(receiver.delivered('/erasure')).toHaveLength(1), { timeout: 10_000 });
    const [event] = receiver.delivered('/erasure');
    expect(event?.event).toMatchObject({
      type: 'gdpr.erasure.completed',
      data: { workspaceId, erasureId: accepted.id },
    });
    expect(event?.body).not.toMatch(/leaving|example\.com/);
    receiver.verify('/erasure', hook.secret);
  });

  it('disables an endpoint that keeps failing; it then receives nothing', async () => {
    const quick = createWorker(
      { db: h.t.db, jobs: workerJobs, log: createLogger({ level: 'silent', name: 'x' }) },
      { ...worker.config, disableAfterMs: 0 },
    );
    // Replace the running worker by one that disables at the first failure.
    await worker.stop();
    worker = quick;
    await worker.start();
    const hook = await register('/down', ['document.created']);
    receiver.plan('/down', ['fail', 'fail', 'fail']);
    await createDocument('D1');
    await vi.waitFor(async () => expect((await findWebhook(h.t.db, hook.id))?.disabled_at).toBeTruthy(), {
      timeout: 10_000,
    });
    const listed = await json<{ items: { id: string; disabledAt: string | null }[] }>(
      await h.request(`/v1/workspaces/${workspaceId}/webhooks`, { token: admin.token }),
    );
    expect(listed.items.find((w) => w.id === hook.id)?.disabledAt).toBeTruthy();
    const log = await deliveries(hook.id);
    expect(log.items[0]).toMatchObject({ status: 'failed', lastStatus: 500 });
    await createDocument('D2');
    await worker.relay();
    await new Promise((r) => setTimeout(r, 500));
    expect(receiver.received('/down')).toHaveLength(1);
    expect((await deliveries(hook.id)).items).toHaveLength(1);
  });
});
