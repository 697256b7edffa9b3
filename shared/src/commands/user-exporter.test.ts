import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPersonalWorkspace } from '../db/repositories/workspaces.js';
import { buildApiToken, buildUser, grantDocumentRole } from '../testing/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../testing/index.js';
import { documentCreator } from './document-creator.js';
import { userExporter } from './user-exporter.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.drop());

describe('userExporter', () => {
  it('exports profile, memberships, roles, owned content, tokens and audit entries, and audits itself', async () => {
    const user = await buildUser(t.db, { name: 'Xena Export' });
    const other = await buildUser(t.db);
    const home = await findPersonalWorkspace(t.db, user.id);
    const mine = await documentCreator(t.db, {
      workspaceId: home?.id ?? '',
      title: 'Mine',
      content: { text: 'hello export' },
      actorId: user.id,
    });
    const theirs = await documentCreator(t.db, {
      workspaceId: (await findPersonalWorkspace(t.db, other.id))?.id ?? '',
      title: 'Theirs',
      content: { text: 'not in the export' },
      actorId: other.id,
    });
    await grantDocumentRole(t.db, theirs.id, user.id, 'viewer');
    const { record } = await buildApiToken(t.db, user);

    const exported = await userExporter(t.db, { userId: user.id, actorId: other.id });
    expect(exported.profile).toMatchObject({
      id: user.id,
      email: user.email,
      name: 'Xena Export',
      erasedAt: null,
    });
    expect(exported.memberships).toEqual([
      expect.objectContaining({ workspaceId: home?.id, role: 'admin', personal: true }),
    ]);
    expect(exported.permissions.map((p) => [p.documentId, p.role])).toEqual([
      [mine.id, 'owner'],
      [theirs.id, 'viewer'],
    ]);
    expect(exported.documents).toHaveLength(1);
    expect(exported.documents[0]).toMatchObject({
      id: mine.id,
      title: 'Mine',
      content: { text: 'hello export' },
    });
    expect(JSON.stringify(exported.documents[0]?.content.json)).toContain('hello export');
    expect(exported.apiTokens.map((x) => x.id)).toEqual([record.id]);
    expect(JSON.stringify(exported)).not.toContain('token_hash');
    expect(exported.auditEntries.map((e) => e.action)).toEqual(
      expect.arrayContaining(['user.create', 'document.create', 'token.create']),
    );
    expect(exported.truncated).toEqual({ documents: false, auditEntries: false });

    const audit = await t.db
      .selectFrom('audit_events')
      .selectAll()
      .where('action', '=', 'gdpr.export')
      .execute();
    expect(audit).toEqual([expect.objectContaining({ actor_id: other.id, details: { userId: user.id } })]);
  });

  it('is NOT_FOUND for an unknown user', async () => {
    await expect(userExporter(t.db, { userId: 'nobody', actorId: null })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });
});
