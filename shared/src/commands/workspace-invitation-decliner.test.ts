import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditActions, buildUser, buildWorkspace } from '../testing/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../testing/index.js';
import { workspaceInvitationDecliner } from './workspace-invitation-decliner.js';
import { workspaceInviter } from './workspace-inviter.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.drop());

describe('workspaceInvitationDecliner', () => {
  it('lets only the invitee decline, and the invitation is gone', async () => {
    const admin = await buildUser(t.db);
    const invitee = await buildUser(t.db);
    const other = await buildUser(t.db);
    const workspace = await buildWorkspace(t.db, admin);
    const added = await workspaceInviter(t.db, {
      workspaceId: workspace.id,
      userId: invitee.id,
      role: 'admin',
      actor: { userId: admin.id, role: 'member' },
    });
    if (added.status !== 'invited') throw new Error('expected an invitation');
    const { invitationId } = added;
    await expect(workspaceInvitationDecliner(t.db, { invitationId, userId: other.id })).rejects.toMatchObject(
      {
        code: 'NOT_FOUND',
      },
    );
    await workspaceInvitationDecliner(t.db, { invitationId, userId: invitee.id });
    const left = await t.db
      .selectFrom('workspace_invitations')
      .select('id')
      .where('id', '=', invitationId)
      .execute();
    expect(left).toEqual([]);
    expect(await auditActions(t.db, { workspaceId: workspace.id })).toEqual([
      'workspace.invitation.create',
      'workspace.invitation.decline',
    ]);
  });
});
