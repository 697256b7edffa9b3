import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertWebhookDeliveries } from '../db/repositories/webhook-deliveries.js';
import { newId } from '../ids.js';
import { auditActions, buildUser, buildWorkspace } from '../testing/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../testing/index.js';
import { webhookDeleter } from './webhook-deleter.js';
import { webhookRegistrar } from './webhook-registrar.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.drop());

describe('webhookDeleter', () => {
  it('deletes the endpoint with its deliveries, audited in its workspace; a second delete is a 404', async () => {
    const admin = await buildUser(t.db);
    const workspace = await buildWorkspace(t.db, admin);
    const webhook = await webhookRegistrar(t.db, {
      workspaceId: workspace.id,
      url: 'http://127.0.0.1:9/hook',
      events: ['*'],
      actorId: admin.id,
      allowPrivateTargets: true,
    });
    await insertWebhookDeliveries(t.db, [
      { id: newId(), webhookId: webhook.id, lane: 'lane', type: 'document.created', body: '{}' },
    ]);
    await webhookDeleter(t.db, { webhookId: webhook.id, actorId: admin.id });
    const deliveries = await t.db
      .selectFrom('webhook_deliveries')
      .select('id')
      .where('webhook_id', '=', webhook.id)
      .execute();
    expect(deliveries).toEqual([]);
    const left = await t.db.selectFrom('webhooks').select('id').where('id', '=', webhook.id).execute();
    expect(left).toEqual([]);
    await expect(webhookDeleter(t.db, { webhookId: webhook.id, actorId: admin.id })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    expect(await auditActions(t.db, { workspaceId: workspace.id })).toEqual([
      'webhook.create',
      'webhook.delete',
    ]);
  });
});
