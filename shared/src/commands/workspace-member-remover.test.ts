import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findDocumentPermission } from '../db/repositories/document-permissions.js';
import { findMembership } from '../db/repositories/workspace-members.js';
import {
  auditActions,
  buildDocument,
  buildUser,
  buildWorkspace,
  grantDocumentRole,
  recordingBus,
} from '../testing/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../testing/index.js';
import { workspaceInviter } from './workspace-inviter.js';
import { workspaceMemberRemover } from './workspace-member-remover.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.drop());

describe('workspaceMemberRemover', () => {
  it('removes a member with their roles on the workspace’s documents, and closes their connections', async () => {
    const admin = await buildUser(t.db);
    const member = await buildUser(t.db);
    const workspace = await buildWorkspace(t.db, admin, [member]);
    const doc = await buildDocument(t.db, admin, { workspaceId: workspace.id });
    await grantDocumentRole(t.db, doc.id, member.id, 'editor');
    const { bus, seen, settle } = recordingBus();
    await workspaceMemberRemover(
      t.db,
      { workspaceId: workspace.id, userId: member.id, actorId: admin.id },
      bus,
    );
    await settle();
    expect(await findMembership(t.db, workspace.id, member.id)).toBeUndefined();
    expect(await findDocumentPermission(t.db, doc.id, member.id)).toBeUndefined();
    expect(seen).toEqual([{ type: 'revoke', userId: member.id }]);
    expect(await auditActions(t.db, { workspaceId: workspace.id })).toEqual(['workspace.member.remove']);
  });

  it('withdraws an invitation for someone invited, and is a 404 for anyone else', async () => {
    const admin = await buildUser(t.db);
    const invitee = await buildUser(t.db);
    const stranger = await buildUser(t.db);
    const workspace = await buildWorkspace(t.db, admin);
    const actor = { userId: admin.id, role: 'member' as const };
    await workspaceInviter(t.db, { workspaceId: workspace.id, userId: invitee.id, role: 'member', actor });
    await workspaceMemberRemover(t.db, { workspaceId: workspace.id, userId: invitee.id, actorId: admin.id });
    await expect(
      workspaceMemberRemover(t.db, { workspaceId: workspace.id, userId: stranger.id, actorId: admin.id }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND', field: 'userId' });
    expect(await auditActions(t.db, { workspaceId: workspace.id })).toEqual([
      'workspace.invitation.create',
      'workspace.invitation.withdraw',
    ]);
  });
});
