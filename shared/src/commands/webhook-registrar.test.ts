import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditActions, buildUser, buildWorkspace } from '../testing/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../testing/index.js';
import { webhookDeleter } from './webhook-deleter.js';
import { webhookRegistrar } from './webhook-registrar.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.drop());

describe('webhookRegistrar and webhookDeleter', () => {
  it('registers an endpoint with a fresh secret and its events once each, then deletes it; both audited', async () => {
    const admin = await buildUser(t.db);
    const workspace = await buildWorkspace(t.db, admin);
    const webhook = await webhookRegistrar(t.db, {
      workspaceId: workspace.id,
      url: 'http://127.0.0.1:9/hook',
      events: ['document.updated', 'document.created', 'document.updated'],
      actorId: admin.id,
      allowPrivateTargets: true,
    });
    expect(webhook.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(webhook.events).toEqual(['document.created', 'document.updated']);
    await webhookDeleter(t.db, { webhookId: webhook.id, actorId: admin.id });
    await expect(webhookDeleter(t.db, { webhookId: webhook.id, actorId: admin.id })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    expect(await auditActions(t.db, { workspaceId: workspace.id })).toEqual([
      'webhook.create',
      'webhook.delete',
    ]);
  });

  it('refuses a private target unless allowed, before storing anything', async () => {
    const admin = await buildUser(t.db);
    const workspace = await buildWorkspace(t.db, admin);
    await expect(
      webhookRegistrar(t.db, {
        workspaceId: workspace.id,
        url: 'http://127.0.0.1:9/hook',
        events: ['*'],
        actorId: admin.id,
        allowPrivateTargets: false,
      }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST', field: 'url' });
    const rows = await t.db
      .selectFrom('webhooks')
      .select('id')
      .where('workspace_id', '=', workspace.id)
      .execute();
    expect(rows).toEqual([]);
  });
});
