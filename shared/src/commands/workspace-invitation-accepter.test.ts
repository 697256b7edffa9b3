import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findMembership } from '../db/repositories/workspace-members.js';
import { auditActions, buildUser, buildWorkspace } from '../testing/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../testing/index.js';
import { workspaceInvitationAccepter } from './workspace-invitation-accepter.js';
import { INVITATION_TTL_MS, workspaceInviter } from './workspace-inviter.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.drop());

const invite = async (workspaceId: string, adminId: string, userId: string, now = new Date()) => {
  const added = await workspaceInviter(t.db, {
    workspaceId,
    userId,
    role: 'member',
    actor: { userId: adminId, role: 'member' },
    now,
  });
  if (added.status !== 'invited') throw new Error('expected an invitation');
  return added.invitationId;
};

describe('workspaceInvitationAccepter', () => {
  it('makes the invitee a member with the invited role, once, audited with who invited', async () => {
    const admin = await buildUser(t.db);
    const invitee = await buildUser(t.db);
    const workspace = await buildWorkspace(t.db, admin);
    const invitationId = await invite(workspace.id, admin.id, invitee.id);
    expect(await workspaceInvitationAccepter(t.db, { invitationId, userId: invitee.id })).toEqual({
      workspaceId: workspace.id,
      userId: invitee.id,
      role: 'member',
    });
    expect(await findMembership(t.db, workspace.id, invitee.id)).toBe('member');
    await expect(
      workspaceInvitationAccepter(t.db, { invitationId, userId: invitee.id }),
    ).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    const accepted = await t.db
      .selectFrom('audit_events')
      .select('details')
      .where('workspace_id', '=', workspace.id)
      .where('action', '=', 'workspace.invitation.accept')
      .executeTakeFirstOrThrow();
    expect(accepted.details).toMatchObject({ invitationId, userId: invitee.id, invitedBy: admin.id });
  });

  it('refuses a lapsed invitation', async () => {
    const admin = await buildUser(t.db);
    const invitee = await buildUser(t.db);
    const workspace = await buildWorkspace(t.db, admin);
    const sent = new Date(Date.now() - INVITATION_TTL_MS - 60_000);
    const invitationId = await invite(workspace.id, admin.id, invitee.id, sent);
    await expect(
      workspaceInvitationAccepter(t.db, { invitationId, userId: invitee.id }),
    ).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    expect(await findMembership(t.db, workspace.id, invitee.id)).toBeUndefined();
    expect(await auditActions(t.db, { workspaceId: workspace.id })).toEqual(['workspace.invitation.create']);
  });
});
