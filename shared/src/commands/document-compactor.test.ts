import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { findDocumentState } from '../db/repositories/document-states.js';
import { documentText } from '../documents/content.js';
import { buildDocument, buildUser } from '../testing/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../testing/index.js';
import { documentCompactor } from './document-compactor.js';
import { documentStateLoader } from './document-state-loader.js';
import { documentUpdateRecorder } from './document-update-recorder.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.drop());

describe('documentCompactor', () => {
  it('folds the log into the snapshot without changing the text, once there are enough rows', async () => {
    const user = await buildUser(t.db);
    const doc = await buildDocument(t.db, user);
    const editor = new Y.Doc();
    const text = editor.getText('t');
    const updates: Uint8Array[] = [];
    editor.on('update', (u: Uint8Array) => updates.push(u));
    for (let i = 0; i < 50; i++) text.insert(i, String(i % 10));
    await documentUpdateRecorder(
      t.db,
      updates.map((update) => ({ documentId: doc.id, update, actorId: user.id, connectionId: null })),
    );
    expect(await documentCompactor(t.db, doc.id, { minRows: 5_000 })).toBeUndefined();
    expect(
      await t.db.selectFrom('document_states').select('seq').where('document_id', '=', doc.id).execute(),
    ).toEqual([]);
    const compacted = await documentCompactor(t.db, doc.id);
    const loaded = await documentStateLoader(t.db, doc.id);
    expect(compacted?.seq).toBe(loaded.seq);
    expect(loaded.basis.coversXid).toBe(compacted?.horizon);
    expect(documentText(loaded.doc)).toBe(text.toString());
    loaded.doc.destroy();
    // The snapshot alone holds the text now. (Rows may still be read again after it:
    // the horizon is the cluster's oldest running transaction, which other tests move.)
    // Through the repository: the stored snapshot is sealed with the document's key.
    const state = await findDocumentState(t.db, doc.id);
    if (!state) throw new Error('no snapshot stored');
    const fromSnapshot = new Y.Doc();
    Y.applyUpdate(fromSnapshot, state.snapshot);
    expect(documentText(fromSnapshot)).toBe(text.toString());
  });

  it('does nothing for a document without log rows (or without a row at all)', async () => {
    expect(await documentCompactor(t.db, 'no-such-document')).toBeUndefined();
  });
});
