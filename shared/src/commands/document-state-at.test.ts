import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentText } from '../documents/content.js';
import { buildDocument, buildUser, databaseNow } from '../testing/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../testing/index.js';
import { documentCompactor } from './document-compactor.js';
import { documentContentReplacer } from './document-content-replacer.js';
import { documentStateAt } from './document-state-at.js';
import { documentVersionCreator } from './document-version-creator.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.drop());

const textAt = async (documentId: string, at: Date) => {
  const state = await documentStateAt(t.db, documentId, at);
  try {
    return documentText(state.doc);
  } finally {
    state.doc.destroy();
  }
};

describe('documentStateAt', () => {
  it('rebuilds the document at any instant, from a version or the compacted state plus the log', async () => {
    const owner = await buildUser(t.db);
    const doc = await buildDocument(t.db, owner);
    const beforeAnything = await databaseNow(t.db);
    const write = (text: string) =>
      documentContentReplacer(t.db, { documentId: doc.id, actorId: owner.id, replacement: { text } });
    await write('one');
    const afterOne = await databaseNow(t.db);
    await documentVersionCreator(t.db, { documentId: doc.id, actorId: owner.id, label: null });
    await write('two');
    const afterTwo = await databaseNow(t.db);
    await write('three');
    await documentCompactor(t.db, doc.id);
    expect(await textAt(doc.id, beforeAnything)).toBe('');
    expect(await textAt(doc.id, afterOne)).toBe('one');
    expect(await textAt(doc.id, afterTwo)).toBe('two');
    expect(await textAt(doc.id, await databaseNow(t.db))).toBe('three');
  });
});
