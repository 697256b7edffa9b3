import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditActions, buildDocument, buildUser } from '../testing/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../testing/index.js';
import { documentCreator } from './document-creator.js';
import { documentRenamer } from './document-renamer.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.drop());

describe('documentRenamer', () => {
  it('renames the document and its search row together, audited', async () => {
    const owner = await buildUser(t.db);
    const created = await documentCreator(t.db, {
      workspaceId: (await buildDocument(t.db, owner)).workspace_id,
      title: 'Draft',
      content: { text: 'body' },
      actorId: owner.id,
    });
    const renamed = await documentRenamer(t.db, {
      documentId: created.id,
      title: 'Final',
      actorId: owner.id,
    });
    expect(renamed).toMatchObject({ id: created.id, title: 'Final' });
    const search = await t.db
      .selectFrom('document_search')
      .select(['title', 'body'])
      .where('document_id', '=', created.id)
      .executeTakeFirstOrThrow();
    expect(search).toEqual({ title: 'Final', body: 'body' });
    expect((await auditActions(t.db, { documentId: created.id })).at(-1)).toBe('document.rename');
  });

  it('is a 404 for a document that does not exist, and writes nothing', async () => {
    const owner = await buildUser(t.db);
    await expect(
      documentRenamer(t.db, { documentId: 'no-such-document', title: 'x', actorId: owner.id }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await auditActions(t.db, { documentId: 'no-such-document' })).toEqual([]);
  });
});
