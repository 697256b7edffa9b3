import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPersonalWorkspace } from '../db/repositories/workspaces.js';
import { buildUser } from '../testing/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../testing/index.js';
import { documentCreator } from './document-creator.js';
import { webhookRegistrar } from './webhook-registrar.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.drop());

describe('documentCreator', () => {
  it('makes the creator owner and stores initial content as their first update', async () => {
    const user = await buildUser(t.db);
    const ws = await findPersonalWorkspace(t.db, user.id);
    const doc = await documentCreator(t.db, {
      workspaceId: ws?.id ?? '',
      title: 'New',
      content: { text: 'hi' },
      actorId: user.id,
    });
    const permissions = await t.db
      .selectFrom('document_permissions')
      .select(['user_id', 'role'])
      .where('document_id', '=', doc.id)
      .execute();
    expect(permissions).toEqual([{ user_id: user.id, role: 'owner' }]);
    const rows = await t.db
      .selectFrom('document_updates')
      .select(['seq', 'actor_id'])
      .where('document_id', '=', doc.id)
      .execute();
    expect(rows).toEqual([{ seq: 1, actor_id: user.id }]);
  });
  it('stores content as one audited update with the creation and its search row, or refuses it whole', async () => {
    const user = await buildUser(t.db);
    const ws = await findPersonalWorkspace(t.db, user.id);
    // document events are kept only for a workspace with an endpoint that wants them
    await webhookRegistrar(t.db, {
      workspaceId: ws?.id ?? '',
      url: 'http://127.0.0.1:9/hook',
      events: ['*'],
      actorId: user.id,
      allowPrivateTargets: true,
    });
    const doc = await documentCreator(t.db, {
      workspaceId: ws?.id ?? '',
      title: 'Plan',
      content: { markdown: '# Goals\n\nship it' },
      actorId: user.id,
      agent: 'drafter',
    });
    const audit = await t.db
      .selectFrom('audit_events')
      .select(['action', 'details'])
      .where('document_id', '=', doc.id)
      .orderBy('id')
      .execute();
    expect(audit.map((a) => a.action)).toEqual(['document.create', 'document.update']);
    expect(audit[1]?.details).toMatchObject({ updates: 1, via: 'rest', agent: 'drafter' });
    const logged = await t.db
      .selectFrom('document_updates')
      .select(['audited_inline', 'agent'])
      .where('document_id', '=', doc.id)
      .execute();
    expect(logged).toEqual([{ audited_inline: true, agent: 'drafter' }]);
    const search = await t.db
      .selectFrom('document_search')
      .select(['title', 'body'])
      .where('document_id', '=', doc.id)
      .executeTakeFirstOrThrow();
    expect(search).toEqual({ title: 'Plan', body: 'Goals\nship it' });
    const events = await t.db
      .selectFrom('webhook_events')
      .select('type')
      .where('document_id', '=', doc.id)
      .execute();
    expect(events).toEqual([{ type: 'document.created' }]);

    const before = await t.db
      .selectFrom('documents')
      .select('id')
      .where('workspace_id', '=', ws?.id ?? '')
      .execute();
    await expect(
      documentCreator(t.db, {
        workspaceId: ws?.id ?? '',
        title: 'Too big',
        content: { text: 'x'.repeat(2_000) },
        actorId: user.id,
        maxDocumentBytes: 100,
      }),
    ).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE', field: 'content' });
    const after = await t.db
      .selectFrom('documents')
      .select('id')
      .where('workspace_id', '=', ws?.id ?? '')
      .execute();
    expect(after).toHaveLength(before.length);
  });
});
