import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDocument, buildUser, buildWorkspace, recordingBus } from '../testing/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../testing/index.js';
import { permissionGranter } from './permission-granter.js';
import { permissionRevoker } from './permission-revoker.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.drop());

describe('permissions', () => {
  it('grants, downgrades and revokes, announcing revocations, and keeps an owner', async () => {
    const owner = await buildUser(t.db);
    const other = await buildUser(t.db);
    const stranger = await buildUser(t.db);
    const workspace = await buildWorkspace(t.db, owner, [other]);
    const doc = await buildDocument(t.db, owner, { workspaceId: workspace.id });
    const { bus, seen, settle } = recordingBus();
    // Only members of the document's workspace hold roles; anyone else is "no such user".
    await expect(
      permissionGranter(t.db, { documentId: doc.id, userId: stranger.id, role: 'viewer', actorId: owner.id }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND', field: 'userId', message: 'no such user' });
    await expect(
      permissionGranter(t.db, { documentId: doc.id, userId: 'nobody', role: 'viewer', actorId: owner.id }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND', field: 'userId', message: 'no such user' });
    await permissionGranter(
      t.db,
      { documentId: doc.id, userId: other.id, role: 'editor', actorId: owner.id },
      bus,
    );
    await settle();
    expect(seen).toEqual([]);
    await permissionGranter(
      t.db,
      { documentId: doc.id, userId: other.id, role: 'viewer', actorId: owner.id },
      bus,
    );
    await permissionRevoker(t.db, { documentId: doc.id, userId: other.id, actorId: owner.id }, bus);
    await settle();
    expect(seen).toEqual([
      { type: 'revoke', userId: other.id, documentId: doc.id },
      { type: 'revoke', userId: other.id, documentId: doc.id },
    ]);
    await expect(
      permissionRevoker(t.db, { documentId: doc.id, userId: owner.id, actorId: owner.id }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(
      permissionGranter(t.db, { documentId: doc.id, userId: owner.id, role: 'viewer', actorId: owner.id }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(
      permissionRevoker(t.db, { documentId: doc.id, userId: other.id, actorId: owner.id }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const audit = await t.db
      .selectFrom('audit_events')
      .select('action')
      .where('document_id', '=', doc.id)
      .orderBy('id')
      .execute();
    expect(audit.map((a) => a.action)).toEqual(['permission.grant', 'permission.grant', 'permission.revoke']);
  });
});
