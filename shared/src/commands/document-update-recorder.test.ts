import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDocument, buildUser, textUpdate } from '../testing/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../testing/index.js';
import { documentUpdateRecorder } from './document-update-recorder.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.drop());

describe('documentUpdateRecorder', () => {
  it('appends a batch of several documents in input order, undefined where the document is gone', async () => {
    const user = await buildUser(t.db);
    const a = await buildDocument(t.db, user);
    const b = await buildDocument(t.db, user);
    const seqs = await documentUpdateRecorder(t.db, [
      { documentId: a.id, update: textUpdate('a1'), actorId: user.id, connectionId: 'c1' },
      { documentId: 'missing-document', update: textUpdate('x'), actorId: user.id, connectionId: 'c1' },
      { documentId: b.id, update: textUpdate('b1'), actorId: user.id, connectionId: 'c2' },
      { documentId: a.id, update: textUpdate('a2'), actorId: null, connectionId: null },
    ]);
    expect(seqs[1]).toBeUndefined();
    const [a1, , b1, a2] = seqs as number[];
    expect(a1).toBeLessThan(a2 as number);
    expect(b1).toBeGreaterThan(a1 as number);
    const rows = await t.db
      .selectFrom('document_updates')
      .select(['document_id', 'connection_id', 'audited_inline'])
      .where('document_id', 'in', [a.id, b.id])
      .orderBy('seq')
      .execute();
    expect(rows).toEqual([
      { document_id: a.id, connection_id: 'c1', audited_inline: false },
      { document_id: b.id, connection_id: 'c2', audited_inline: false },
      { document_id: a.id, connection_id: null, audited_inline: false },
    ]);
    // The summariser audits these, not the recorder.
    const audit = await t.db
      .selectFrom('audit_events')
      .select('id')
      .where('document_id', 'in', [a.id, b.id])
      .execute();
    expect(audit).toEqual([]);
  });

  it('with auditInline, writes one entry per document, actor and agent with the rows, marked as audited', async () => {
    const user = await buildUser(t.db);
    const doc = await buildDocument(t.db, user);
    const first = textUpdate('one');
    const second = textUpdate('two');
    await documentUpdateRecorder(
      t.db,
      [
        { documentId: doc.id, update: first, actorId: user.id, agent: 'bot', connectionId: null },
        { documentId: doc.id, update: second, actorId: user.id, agent: 'bot', connectionId: null },
      ],
      { auditInline: true },
    );
    const audit = await t.db
      .selectFrom('audit_events')
      .select(['action', 'actor_id', 'details'])
      .where('document_id', '=', doc.id)
      .execute();
    expect(audit).toEqual([
      {
        action: 'document.update',
        actor_id: user.id,
        details: { updates: 2, bytes: first.byteLength + second.byteLength, agent: 'bot' },
      },
    ]);
    const marked = await t.db
      .selectFrom('document_updates')
      .select('audited_inline')
      .where('document_id', '=', doc.id)
      .execute();
    expect(marked).toEqual([{ audited_inline: true }, { audited_inline: true }]);
  });
});
