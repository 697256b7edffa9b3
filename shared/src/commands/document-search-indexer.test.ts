import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { buildDocument, buildUser } from '../testing/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../testing/index.js';
import { documentSearchIndexer } from './document-search-indexer.js';
import { documentUpdateRecorder } from './document-update-recorder.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.drop());

const searchRow = (documentId: string) =>
  t.db
    .selectFrom('document_search')
    .select(['title', 'body'])
    .where('document_id', '=', documentId)
    .executeTakeFirst();

describe('documentSearchIndexer', () => {
  it('indexes the stored state, or the live document it is given, under the current title', async () => {
    const user = await buildUser(t.db);
    const doc = await buildDocument(t.db, user, { title: 'Notes' });
    const source = new Y.Doc();
    source.getText('t').insert(0, 'from the log');
    // Recorded the way the collaboration server does: no search row yet.
    await documentUpdateRecorder(t.db, [
      { documentId: doc.id, update: Y.encodeStateAsUpdate(source), actorId: user.id, connectionId: null },
    ]);
    expect(await searchRow(doc.id)).toBeUndefined();
    expect(await documentSearchIndexer(t.db, doc.id)).toBe(true);
    expect(await searchRow(doc.id)).toEqual({ title: 'Notes', body: 'from the log' });
    const live = new Y.Doc();
    live.getText('t').insert(0, 'held in memory');
    expect(await documentSearchIndexer(t.db, doc.id, live)).toBe(true);
    expect(await searchRow(doc.id)).toEqual({ title: 'Notes', body: 'held in memory' });
  });

  it('reports a document that no longer exists', async () => {
    expect(await documentSearchIndexer(t.db, 'gone-document')).toBe(false);
  });
});
