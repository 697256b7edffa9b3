import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { documentText } from '../documents/content.js';
import { buildDocument, buildUser } from '../testing/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../testing/index.js';
import { documentStateLoader, EMPTY_HORIZON } from './document-state-loader.js';
import { documentUpdateRecorder } from './document-update-recorder.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.drop());

describe('documentStateLoader', () => {
  it('loads an empty document, and snapshot plus log across pages of rows', async () => {
    const user = await buildUser(t.db);
    const doc = await buildDocument(t.db, user);
    const empty = await documentStateLoader(t.db, doc.id);
    expect(empty).toMatchObject({ seq: 0, rowsAfterSnapshot: 0, basis: { coversXid: EMPTY_HORIZON } });
    expect(documentText(empty.doc)).toBe('');
    empty.doc.destroy();

    const editor = new Y.Doc();
    const text = editor.getText('t');
    // More rows than one page (2,000) so the paged read is exercised.
    const updates: Uint8Array[] = [];
    editor.on('update', (u: Uint8Array) => updates.push(u));
    for (let i = 0; i < 2_100; i++) text.insert(i, String(i % 10));
    await documentUpdateRecorder(
      t.db,
      updates.map((update) => ({ documentId: doc.id, update, actorId: user.id, connectionId: null })),
    );
    const loaded = await documentStateLoader(t.db, doc.id);
    expect(loaded.rowsAfterSnapshot).toBe(2_100);
    expect(documentText(loaded.doc)).toBe(text.toString());
    loaded.doc.destroy();
  });
});
