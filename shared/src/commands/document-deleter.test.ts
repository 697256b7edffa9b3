import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDocument, buildUser, recordingBus } from '../testing/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../testing/index.js';
import { documentDeleter } from './document-deleter.js';
import { documentRenamer } from './document-renamer.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.drop());

describe('documentRenamer and documentDeleter', () => {
  it('renames with the search row, and deletes announcing it', async () => {
    const owner = await buildUser(t.db);
    const doc = await buildDocument(t.db, owner);
    const renamed = await documentRenamer(t.db, { documentId: doc.id, title: 'Renamed', actorId: owner.id });
    expect(renamed.title).toBe('Renamed');
    const { bus, seen, settle } = recordingBus();
    await documentDeleter(t.db, { documentId: doc.id, actorId: owner.id }, bus);
    await settle();
    expect(seen).toEqual([{ type: 'document-deleted', documentId: doc.id }]);
    await expect(documentDeleter(t.db, { documentId: doc.id, actorId: owner.id })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });
});
