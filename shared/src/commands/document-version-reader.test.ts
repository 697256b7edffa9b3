import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentText } from '../documents/content.js';
import { auditActions, buildDocument, buildUser } from '../testing/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../testing/index.js';
import { documentContentReplacer } from './document-content-replacer.js';
import { documentVersionCreator } from './document-version-creator.js';
import { documentVersionLoader, documentVersionReader } from './document-version-reader.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.drop());

describe('documentVersionLoader and documentVersionReader', () => {
  it('return a version’s state; a REST read is audited, a load is not', async () => {
    const owner = await buildUser(t.db);
    const doc = await buildDocument(t.db, owner);
    await documentContentReplacer(t.db, {
      documentId: doc.id,
      actorId: owner.id,
      replacement: { text: 'kept' },
    });
    const version = await documentVersionCreator(t.db, {
      documentId: doc.id,
      actorId: owner.id,
      label: null,
    });
    await documentContentReplacer(t.db, {
      documentId: doc.id,
      actorId: owner.id,
      replacement: { text: 'later' },
    });
    const before = await auditActions(t.db, { documentId: doc.id });
    const loaded = await documentVersionLoader(t.db, { documentId: doc.id, versionId: version.id });
    expect(documentText(loaded.doc)).toBe('kept');
    expect(loaded.seq).toBe(version.seq);
    loaded.doc.destroy();
    expect(await auditActions(t.db, { documentId: doc.id })).toEqual(before);
    const read = await documentVersionReader(t.db, {
      documentId: doc.id,
      workspaceId: doc.workspace_id,
      versionId: version.id,
      actorId: owner.id,
      format: 'text',
    });
    expect(documentText(read.doc)).toBe('kept');
    read.doc.destroy();
    expect(await auditActions(t.db, { documentId: doc.id })).toEqual([...before, 'document.read']);
  });

  it('is a 404 naming versionId for an unknown version', async () => {
    const owner = await buildUser(t.db);
    const doc = await buildDocument(t.db, owner);
    await expect(
      documentVersionLoader(t.db, { documentId: doc.id, versionId: 'no-such-version' }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND', field: 'versionId' });
  });
});
