import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { documentText } from '../documents/content.js';
import { buildDocument, buildUser } from '../testing/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../testing/index.js';
import { documentContentReader } from './document-content-reader.js';
import { documentUpdateApplier } from './document-update-applier.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.drop());

describe('documentContentReader', () => {
  it('returns the stored state and audits the read as the reader, with the format', async () => {
    const owner = await buildUser(t.db);
    const reader = await buildUser(t.db);
    const doc = await buildDocument(t.db, owner);
    const editor = new Y.Doc();
    editor.getText('t').insert(0, 'stored text');
    await documentUpdateApplier(t.db, {
      documentId: doc.id,
      actorId: owner.id,
      update: Y.encodeStateAsUpdate(editor),
    });
    const loaded = await documentContentReader(t.db, {
      documentId: doc.id,
      workspaceId: doc.workspace_id,
      actorId: reader.id,
      format: 'markdown',
    });
    try {
      expect(documentText(loaded.doc)).toBe('stored text');
      expect(loaded.seq).toBeGreaterThan(0);
    } finally {
      loaded.doc.destroy();
    }
    const read = await t.db
      .selectFrom('audit_events')
      .select(['actor_id', 'workspace_id', 'details'])
      .where('document_id', '=', doc.id)
      .where('action', '=', 'document.read')
      .execute();
    expect(read).toEqual([
      { actor_id: reader.id, workspace_id: doc.workspace_id, details: { format: 'markdown' } },
    ]);
  });

  it('reads an empty document as empty', async () => {
    const owner = await buildUser(t.db);
    const doc = await buildDocument(t.db, owner);
    const loaded = await documentContentReader(t.db, {
      documentId: doc.id,
      workspaceId: doc.workspace_id,
      actorId: owner.id,
      format: 'text',
    });
    expect(documentText(loaded.doc)).toBe('');
    loaded.doc.destroy();
  });
});
