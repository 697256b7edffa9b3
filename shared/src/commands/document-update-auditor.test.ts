import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDocument, buildUser, textUpdate } from '../testing/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../testing/index.js';
import { documentUpdateAuditor } from './document-update-auditor.js';
import { documentUpdateRecorder } from './document-update-recorder.js';
import { webhookRegistrar } from './webhook-registrar.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.drop());

describe('documentUpdateAuditor', () => {
  it('audits each row once, one entry per document and actor, skipping rows audited inline', async () => {
    const alice = await buildUser(t.db);
    const bob = await buildUser(t.db);
    const doc = await buildDocument(t.db, alice);
    // document events are kept only for a workspace with an endpoint that wants them
    await webhookRegistrar(t.db, {
      workspaceId: doc.workspace_id,
      url: 'http://127.0.0.1:9/hook',
      events: ['*'],
      actorId: alice.id,
      allowPrivateTargets: true,
    });
    const row = (actorId: string) => ({
      documentId: doc.id,
      update: textUpdate('x'),
      actorId,
      connectionId: null,
    });
    await documentUpdateRecorder(t.db, [row(alice.id), row(alice.id), row(bob.id)]);
    await documentUpdateRecorder(t.db, [row(bob.id)], { auditInline: true });
    const pass = await documentUpdateAuditor(t.db, { holder: 'test', force: true });
    expect(pass).toMatchObject({ entries: 2, updates: 3, documents: [doc.id] });
    const entries = await t.db
      .selectFrom('audit_events')
      .select(['actor_id', 'details'])
      .where('document_id', '=', doc.id)
      .where('action', '=', 'document.update')
      .orderBy('id')
      .execute();
    const byActor = Object.fromEntries(
      entries.map((e) => [e.actor_id, (e.details as { updates: number }).updates]),
    );
    // Bob's inline entry (1 update) came first; the pass wrote Alice's 2 and Bob's other 1.
    expect(entries).toHaveLength(3);
    expect(byActor[alice.id]).toBe(2);
    const again = await documentUpdateAuditor(t.db, { holder: 'test', force: true });
    expect(again).toMatchObject({ entries: 0, updates: 0, documents: [] });
    const changes = await t.db
      .selectFrom('webhook_document_changes')
      .select('document_id')
      .where('document_id', '=', doc.id)
      .execute();
    expect(changes).toEqual([{ document_id: doc.id }]);
  });

  it('leaves the pass to the lease holder unless forced', async () => {
    await documentUpdateAuditor(t.db, { holder: 'first', leaseMs: 60_000, force: false });
    expect(await documentUpdateAuditor(t.db, { holder: 'second', leaseMs: 60_000 })).toBeUndefined();
    expect(await documentUpdateAuditor(t.db, { holder: 'second', force: true })).toBeDefined();
  });
});
