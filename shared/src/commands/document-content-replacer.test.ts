import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentText } from '../documents/content.js';
import { buildDocument, buildUser } from '../testing/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../testing/index.js';
import { documentContentReader } from './document-content-reader.js';
import { documentContentReplacer } from './document-content-replacer.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.drop());

describe('documentContentReplacer and documentContentReader', () => {
  it('replaces the text as one attributed change and audits reads', async () => {
    const user = await buildUser(t.db);
    const doc = await buildDocument(t.db, user);
    await documentContentReplacer(t.db, {
      documentId: doc.id,
      actorId: user.id,
      replacement: { markdown: '# A\n\nb' },
    });
    const unchanged = await documentContentReplacer(t.db, {
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
