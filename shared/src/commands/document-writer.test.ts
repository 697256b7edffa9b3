import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAuditEvent } from '../db/repositories/audit.js';
import { buildDocument, buildUser, recordingBus } from '../testing/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../testing/index.js';
import { changeInPlace, documentWriter } from './document-writer.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.drop());

const rowsOf = (documentId: string) =>
  t.db
    .selectFrom('document_updates')
    .select(['actor_id', 'agent'])
    .where('document_id', '=', documentId)
    .execute();
const auditOf = (documentId: string) =>
  t.db
    .selectFrom('audit_events')
    .select(['action', 'actor_id', 'details'])
    .where('document_id', '=', documentId)
    .orderBy('id')
    .execute();
const insertText = (text: string) => (loaded: { doc: import('yjs').Doc }) =>
  changeInPlace(loaded.doc, () => loaded.doc.getText('t').insert(0, text));

describe('documentWriter', () => {
  it('stores the change once as the caller, audits and announces it once, and indexes it', async () => {
    const user = await buildUser(t.db);
    const doc = await buildDocument(t.db, user);
    const { bus: b, seen } = recordingBus();
    const result = await documentWriter(
      t.db,
      { documentId: doc.id, actorId: user.id, agent: { label: 'bot', tokenId: 'tok', userName: 'U' } },
      insertText('written once'),
      b,
    );
    expect(result).toMatchObject({ changed: true });
    expect(await rowsOf(doc.id)).toEqual([{ actor_id: user.id, agent: 'bot' }]);
    expect(await auditOf(doc.id)).toEqual([
      {
        action: 'document.update',
        actor_id: user.id,
        details: { updates: 1, bytes: result.bytes, agent: 'bot' },
      },
    ]);
    await new Promise((r) => setImmediate(r));
    expect(seen.filter((e) => e.type === 'document-updated')).toEqual([
      { type: 'document-updated', documentId: doc.id, seq: result.seq },
    ]);
    expect(seen.filter((e) => e.type === 'agent-presence')).toHaveLength(1);
    const search = await t.db
      .selectFrom('document_search')
      .select(['title', 'body', 'workspace_id'])
      .where('document_id', '=', doc.id)
      .executeTakeFirstOrThrow();
    expect(search).toEqual({ title: doc.title, body: 'written once', workspace_id: doc.workspace_id });
    await b.close();
  });

  it('commits the steps with the change: a failing step leaves no row, no entry and no announcement', async () => {
    const user = await buildUser(t.db);
    const doc = await buildDocument(t.db, user);
    const { bus: b, seen } = recordingBus();
    const write = documentWriter(
      t.db,
      {
        documentId: doc.id,
        actorId: user.id,
        beforeRecord: async (trx, { document }) => {
          await appendAuditEvent(trx, {
            actorId: user.id,
            action: 'document.version',
            documentId: document.id,
          });
        },
        afterRecord: async () => {
          throw new Error('step failed');
        },
      },
      insertText('never stored'),
      b,
    );
    await expect(write).rejects.toThrow('step failed');
    expect(await rowsOf(doc.id)).toEqual([]);
    expect(await auditOf(doc.id)).toEqual([]);
    await new Promise((r) => setImmediate(r));
    expect(seen).toEqual([]);
    await b.close();
  });

  it('stores nothing when nothing changed, and still runs the steps when there are some', async () => {
    const user = await buildUser(t.db);
    const doc = await buildDocument(t.db, user);
    const nothing = () => ({ update: undefined });
    expect(await documentWriter(t.db, { documentId: doc.id, actorId: user.id }, nothing)).toEqual({
      changed: false,
      seq: 0,
      bytes: 0,
    });
    expect(await auditOf(doc.id)).toEqual([]);
    const ran: string[] = [];
    await documentWriter(
      t.db,
      {
        documentId: doc.id,
        actorId: user.id,
        beforeRecord: async () => {
          ran.push('before');
        },
        afterRecord: async (_trx, _write, result) => {
          ran.push(`after changed=${result.changed}`);
        },
      },
      nothing,
    );
    expect(ran).toEqual(['before', 'after changed=false']);
    expect(await rowsOf(doc.id)).toEqual([]);
  });

  it('refuses a change that would outgrow the size limit before anything is stored', async () => {
    const user = await buildUser(t.db);
    const doc = await buildDocument(t.db, user);
    let stepRan = false;
    await expect(
      documentWriter(
        t.db,
        {
          documentId: doc.id,
          actorId: user.id,
          maxDocumentBytes: 100,
          field: 'text',
          beforeRecord: async () => {
            stepRan = true;
          },
        },
        insertText('x'.repeat(500)),
      ),
    ).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE', field: 'text' });
    expect(stepRan).toBe(false);
    expect(await rowsOf(doc.id)).toEqual([]);
  });

  it('is a 404 for a document that does not exist', async () => {
    const user = await buildUser(t.db);
    await expect(
      documentWriter(t.db, { documentId: 'no-such-document', actorId: user.id }, insertText('x')),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
