import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findMembership } from '../db/repositories/workspace-members.js';
import { findPersonalWorkspace } from '../db/repositories/workspaces.js';
import { auditActions, buildUser, buildWorkspace } from '../testing/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../testing/index.js';
import { workspaceInvitationAccepter } from './workspace-invitation-accepter.js';
import { workspaceInvitationDecliner } from './workspace-invitation-decliner.js';
import { workspaceInviter } from './workspace-inviter.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.drop());

describe('workspaceInviter', () => {
  it('invites a stranger, who joins only by accepting; a declined invitation is gone', async () => {
    const admin = await buildUser(t.db);
    const stranger = await buildUser(t.db);
    const other = await buildUser(t.db);
    const workspace = await buildWorkspace(t.db, admin);
    const actor = { userId: admin.id, role: 'member' as const };
    const added = await workspaceInviter(t.db, {
      workspaceId: workspace.id,
      userId: stranger.id,
      role: 'member',
      actor,
    });
    expect(added.status).toBe('invited');
    expect(await findMembership(t.db, workspace.id, stranger.id)).toBeUndefined();
    if (added.status !== 'invited') throw new Error('unreachable');
    // Only the invitee can answer it.
    await expect(
      workspaceInvitationAccepter(t.db, { invitationId: added.invitationId, userId: other.id }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(
      await workspaceInvitationAccepter(t.db, { invitationId: added.invitationId, userId: stranger.id }),
    ).toEqual({ workspaceId: workspace.id, userId: stranger.id, role: 'member' });
    expect(await findMembership(t.db, workspace.id, stranger.id)).toBe('member');

    const declined = await workspaceInviter(t.db, {
      workspaceId: workspace.id,
      userId: other.id,
      role: 'admin',
      actor,
    });
    if (declined.status !== 'invited') throw new Error('expected an invitation');
    await workspaceInvitationDecliner(t.db, { invitationId: declined.invitationId, userId: other.id });
    await expect(
      workspaceInvitationAccepter(t.db, { invitationId: declined.invitationId, userId: other.id }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await auditActions(t.db, { workspaceId: workspace.id })).toEqual([
      'workspace.invitation.create',
      'workspace.invitation.accept',
      'workspace.invitation.create',
      'workspace.invitation.decline',
    ]);
  });

  it('adds directly for an instance admin, and never to a personal workspace', async () => {
    const instanceAdmin = await buildUser(t.db, { role: 'admin' });
    const stranger = await buildUser(t.db);
    const workspace = await buildWorkspace(t.db, instanceAdmin);
    const actor = { userId: instanceAdmin.id, role: 'admin' as const };
    expect(
      await workspaceInviter(t.db, { workspaceId: workspace.id, userId: stranger.id, role: 'member', actor }),
    ).toEqual({ status: 'member', workspaceId: workspace.id, userId: stranger.id, role: 'member' });
    const personal = await findPersonalWorkspace(t.db, instanceAdmin.id);
    const lone = await buildUser(t.db);
    await expect(
      workspaceInviter(t.db, {
        workspaceId: personal?.id as string,
        userId: lone.id,
        role: 'member',
        actor: { userId: instanceAdmin.id, role: 'member' },
      }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
  });
});
