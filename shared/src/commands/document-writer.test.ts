import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { type CollabEvent, createCollabBus } from '../collab-bus.js';
import { documentText } from '../documents/content.js';
import { createLogger } from '../logger.js';
import { buildDocument, buildUser } from '../testing/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../testing/index.js';
import { documentStateLoader } from './document-state.js';
import { documentContentReader, documentContentReplacer, documentUpdateApplier } from './document-writer.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.drop());

const bus = () => {
  const b = createCollabBus({ prefix: 'test:', log: createLogger({ level: 'silent', name: 'test' }) });
  const seen: CollabEvent[] = [];
  void b.subscribe((e) => seen.push(e));
  return { bus: b, seen };
};

describe('documentUpdateApplier', () => {
  it('stores what changed as the caller, announces it, and refuses garbage', async () => {
    const user = await buildUser(t.db);
    const doc = await buildDocument(t.db, user);
    const { bus: b, seen } = bus();
    const editor = new Y.Doc();
    editor.getText('t').insert(0, 'hello');
    const result = await documentUpdateApplier(t.db, b, {
      documentId: doc.id,
      actorId: user.id,
      update: Y.encodeStateAsUpdate(editor),
    });
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
      documentUpdateApplier(t.db, b, {
        documentId: doc.id,
        actorId: user.id,
        update: Uint8Array.of(9, 9, 9),
      }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST', field: 'body' });
  });
});

describe('documentContentReplacer and documentContentReader', () => {
  it('replaces the text as one attributed change and audits reads', async () => {
    const user = await buildUser(t.db);
    const doc = await buildDocument(t.db, user);
    await documentContentReplacer(t.db, undefined, {
      documentId: doc.id,
      actorId: user.id,
      replacement: { markdown: '# A\n\nb' },
    });
    const unchanged = await documentContentReplacer(t.db, undefined, {
      documentId: doc.id,
      actorId: user.id,
      replacement: { text: 'A\nb' },
    });
    // Same text but different structure (heading → paragraph): still a change.
    expect(unchanged.changed).toBe(true);
    const loaded = await documentContentReader(t.db, {
      documentId: doc.id,
      workspaceId: doc.workspace_id,
      actorId: user.id,
      format: 'text',
    });
    expect(documentText(loaded.doc)).toBe('A\nb');
    const actions = await t.db
      .selectFrom('audit_events')
      .select('action')
      .where('document_id', '=', doc.id)
      .orderBy('id')
      .execute();
    expect(actions.map((a) => a.action)).toEqual(['document.update', 'document.update', 'document.read']);
  });
});
