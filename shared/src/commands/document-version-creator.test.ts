import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentText } from '../documents/content.js';
import { buildDocument, buildUser, databaseNow } from '../testing/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../testing/index.js';
import { documentContentReplacer } from './document-content-replacer.js';
import { documentStateAt } from './document-state-at.js';
import { documentVersionCreator } from './document-version-creator.js';
import { documentVersionReader } from './document-version-reader.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.drop());

describe('document versions', () => {
  it('keeps the stored state as a version, reads it back audited, and rebuilds any past instant', async () => {
    const owner = await buildUser(t.db);
    const reader = await buildUser(t.db);
    const doc = await buildDocument(t.db, owner);
    await documentContentReplacer(t.db, {
      documentId: doc.id,
      actorId: owner.id,
      replacement: { text: 'draft' },
    });
    const between = await databaseNow(t.db);
    const version = await documentVersionCreator(t.db, {
      documentId: doc.id,
      actorId: owner.id,
      label: 'v1',
    });
    expect(version).toMatchObject({ label: 'v1', kind: 'manual', createdBy: owner.id });
    await documentContentReplacer(t.db, {
      documentId: doc.id,
      actorId: owner.id,
      replacement: { text: 'final' },
    });

    const read = await documentVersionReader(t.db, {
      documentId: doc.id,
      workspaceId: doc.workspace_id,
      versionId: version.id,
      actorId: reader.id,
      format: 'markdown',
    });
    expect(documentText(read.doc)).toBe('draft');
    read.doc.destroy();
    const past = await documentStateAt(t.db, doc.id, between);
    expect(documentText(past.doc)).toBe('draft');
    past.doc.destroy();
    const audit = await t.db
      .selectFrom('audit_events')
      .select(['action', 'actor_id', 'details'])
      .where('document_id', '=', doc.id)
      .where('action', 'in', ['document.version', 'document.read'])
      .orderBy('id')
      .execute();
    expect(audit).toEqual([
      {
        action: 'document.version',
        actor_id: owner.id,
        details: { versionId: version.id, kind: 'manual', seq: version.seq, bytes: version.bytes },
      },
      {
        action: 'document.read',
        actor_id: reader.id,
        details: { format: 'markdown', versionId: version.id },
      },
    ]);
  });

  it('is a 404 for an unknown document or another document’s version', async () => {
    const owner = await buildUser(t.db);
    const a = await buildDocument(t.db, owner);
    const b = await buildDocument(t.db, owner);
    await expect(
      documentVersionCreator(t.db, { documentId: 'no-such-document', actorId: owner.id, label: null }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const version = await documentVersionCreator(t.db, { documentId: a.id, actorId: owner.id, label: null });
    await expect(
      documentVersionReader(t.db, {
        documentId: b.id,
        workspaceId: b.workspace_id,
        versionId: version.id,
        actorId: owner.id,
        format: 'text',
      }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND', field: 'versionId' });
  });
});
