import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { findDocumentState } from '../db/repositories/document-states.js';
import { documentText } from '../documents/content.js';
import { buildDocument, buildUser, createTestDatabase, type TestDatabase } from '../testing/index.js';
import { documentMaintainer } from './document-maintainer.js';
import { documentUpdateRecorder } from './document-update-recorder.js';
import { documentVersionCreator } from './document-version-creator.js';
import { documentVersionLoader } from './document-version-reader.js';
import { defaultVersionPolicy } from './version-retention.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

async function typed(documentId: string, actorId: string, doc: Y.Doc, edit: (text: Y.Text) => void) {
  const updates: Uint8Array[] = [];
  const listener = (u: Uint8Array) => updates.push(u);
  doc.on('update', listener);
  edit(doc.getText('body'));
  doc.off('update', listener);
  await documentUpdateRecorder(
    t.db,
    updates.map((update) => ({ documentId, update, actorId, connectionId: 'c' })),
  );
}

const versionsOf = (documentId: string) =>
  t.db
    .selectFrom('document_versions')
    .select(['id', 'kind', 'created_by'])
    .where('document_id', '=', documentId)
    .orderBy('created_at')
    .execute();

describe('documentMaintainer', () => {
  it('compacts, makes an automatic version only when the state changed, and is idempotent', async () => {
    const user = await buildUser(t.db);
    const document = await buildDocument(t.db, user);
    const doc = new Y.Doc();
    await typed(document.id, user.id, doc, (text) => text.insert(0, 'first draft'));

    const first = await documentMaintainer(t.db, document.id, defaultVersionPolicy);
    expect(first).toMatchObject({ compacted: true, pruned: 0 });
    expect(first?.versionId).toBeTruthy();
    const state = await findDocumentState(t.db, document.id);
    const compacted = new Y.Doc();
    Y.applyUpdate(compacted, state?.snapshot as Uint8Array);
    expect(documentText(compacted)).toBe('first draft');
    const version = await documentVersionLoader(t.db, {
      documentId: document.id,
      versionId: first?.versionId as string,
    });
    expect(documentText(version.doc)).toBe('first draft');

    // Nothing new: nothing to compact, no version.
    expect(await documentMaintainer(t.db, document.id, defaultVersionPolicy)).toEqual({
      compacted: false,
      versionId: null,
      pruned: 0,
    });
    // A deletion changes no state vector, but it is a change: a new version.
    await typed(document.id, user.id, doc, (text) => text.delete(0, 6));
    const afterDelete = await documentMaintainer(t.db, document.id, defaultVersionPolicy);
    expect(afterDelete?.versionId).toBeTruthy();
    // A manual version of the current state counts as the newest: no automatic one.
    await typed(document.id, user.id, doc, (text) => text.insert(0, 'final '));
    await documentVersionCreator(t.db, { documentId: document.id, actorId: user.id, label: 'named' });
    expect((await documentMaintainer(t.db, document.id, defaultVersionPolicy))?.versionId).toBeNull();
    expect((await versionsOf(document.id)).map((v) => [v.kind, v.created_by])).toEqual([
      ['auto', null],
      ['auto', null],
      ['manual', user.id],
    ]);
  });

  it('thins old automatic versions by the policy and never touches manual ones', async () => {
    const user = await buildUser(t.db);
    const document = await buildDocument(t.db, user);
    const doc = new Y.Doc();
    await typed(document.id, user.id, doc, (text) => text.insert(0, 'v1'));
    await documentMaintainer(t.db, document.id, defaultVersionPolicy);
    await documentVersionCreator(t.db, { documentId: document.id, actorId: user.id, label: 'kept forever' });
    // Both made two years ago.
    await sql`update document_versions set created_at = now() - interval '2 years'
               where document_id = ${document.id}`.execute(t.db);
    await typed(document.id, user.id, doc, (text) => text.insert(0, 'v2 '));
    const outcome = await documentMaintainer(t.db, document.id, defaultVersionPolicy);
    expect(outcome).toMatchObject({ pruned: 1 });
    expect((await versionsOf(document.id)).map((v) => v.kind)).toEqual(['manual', 'auto']);
  });

  it('makes no version with automatic versions off, and nothing for a deleted document', async () => {
    const user = await buildUser(t.db);
    const document = await buildDocument(t.db, user);
    await typed(document.id, user.id, new Y.Doc(), (text) => text.insert(0, 'x'));
    const off = { ...defaultVersionPolicy, autoEveryMs: 0 };
    expect(await documentMaintainer(t.db, document.id, off)).toMatchObject({
      compacted: true,
      versionId: null,
    });
    await t.db.deleteFrom('documents').where('id', '=', document.id).execute();
    expect(await documentMaintainer(t.db, document.id, defaultVersionPolicy)).toBeUndefined();
  });
});
