import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { documentText } from '../documents/content.js';
import { buildDocument, buildUser, recordingBus } from '../testing/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../testing/index.js';
import { documentStateLoader } from './document-state-loader.js';
import { documentUpdateApplier } from './document-update-applier.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.drop());

describe('documentUpdateApplier', () => {
  it('stores what changed as the caller, announces it, and refuses garbage', async () => {
    const user = await buildUser(t.db);
    const doc = await buildDocument(t.db, user);
    const { bus: b, seen } = recordingBus();
    const editor = new Y.Doc();
    editor.getText('t').insert(0, 'hello');
    const result = await documentUpdateApplier(
      t.db,
      {
        documentId: doc.id,
        actorId: user.id,
        update: Y.encodeStateAsUpdate(editor),
      },
      b,
    );
    expect(result).toMatchObject({ changed: true, seq: 1 });
    await new Promise((r) => setImmediate(r));
    expect(seen).toEqual([{ type: 'document-updated', documentId: doc.id, seq: 1 }]);
    const stored = await documentStateLoader(t.db, doc.id);
    expect(documentText(stored.doc)).toBe('hello');
    const search = await t.db
      .selectFrom('document_search')
      .select('body')
      .where('document_id', '=', doc.id)
      .executeTakeFirst();
    expect(search?.body).toBe('hello');
    await expect(
      documentUpdateApplier(
        t.db,
        {
          documentId: doc.id,
          actorId: user.id,
          update: Uint8Array.of(9, 9, 9),
        },
        b,
      ),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST', field: 'body' });
  });
});
