import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findDocumentPermission } from '../db/repositories/document-permissions.js';
import {
  auditActions,
  buildDocument,
  buildUser,
  grantDocumentRole,
  recordingBus,
} from '../testing/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../testing/index.js';
import { permissionRevoker } from './permission-revoker.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.drop());

describe('permissionRevoker', () => {
  it('takes the role away, audits it and closes the user’s connections to the document', async () => {
    const owner = await buildUser(t.db);
    const editor = await buildUser(t.db);
    const doc = await buildDocument(t.db, owner);
    await grantDocumentRole(t.db, doc.id, editor.id, 'editor');
    const { bus, seen, settle } = recordingBus();
    await permissionRevoker(t.db, { documentId: doc.id, userId: editor.id, actorId: owner.id }, bus);
    await settle();
    expect(await findDocumentPermission(t.db, doc.id, editor.id)).toBeUndefined();
    expect(seen).toEqual([{ type: 'revoke', userId: editor.id, documentId: doc.id }]);
    expect(await auditActions(t.db, { documentId: doc.id })).toEqual(['permission.revoke']);
  });

  it('refuses to take the last owner away, and a role nobody holds', async () => {
    const owner = await buildUser(t.db);
    const stranger = await buildUser(t.db);
    const doc = await buildDocument(t.db, owner);
    await expect(
      permissionRevoker(t.db, { documentId: doc.id, userId: owner.id, actorId: owner.id }),
    ).rejects.toMatchObject({ code: 'CONFLICT', field: 'userId' });
    await expect(
      permissionRevoker(t.db, { documentId: doc.id, userId: stranger.id, actorId: owner.id }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND', field: 'userId' });
    expect(await findDocumentPermission(t.db, doc.id, owner.id)).toBe('owner');
    expect(await auditActions(t.db, { documentId: doc.id })).toEqual([]);
  });
});
