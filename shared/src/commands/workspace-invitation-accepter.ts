import { appendAuditEvent } from '../db/repositories/audit.js';
import { type Handle, inTransaction } from '../db/repositories/handle.js';
import { deleteInvitation, findInvitationOfUserForUpdate } from '../db/repositories/workspace-invitations.js';
import { findMembership, upsertWorkspaceMember } from '../db/repositories/workspace-members.js';
import type { WorkspaceRole } from '../db/schema.js';
import { FolioError } from '../errors.js';

/** A live invitation addressed to the caller, locked; someone else's, a lapsed or an unknown one is 404. */
export async function loadOwnInvitation(
  trx: Handle,
  input: { invitationId: string; userId: string; now?: Date },
) {
  const now = input.now ?? new Date();
  const invitation = await findInvitationOfUserForUpdate(trx, input.invitationId, input.userId, now);
  if (!invitation) throw new FolioError('NOT_FOUND', 'invitation not found');
  return invitation;
}

/** The invitee joins: they become a member with the invited role (or keep a stronger one). */
export async function workspaceInvitationAccepter(
  db: Handle,
  input: { invitationId: string; userId: string; now?: Date },
): Promise<{ workspaceId: string; userId: string; role: WorkspaceRole }> {
  return inTransaction(db, async (trx) => {
    const invitation = await loadOwnInvitation(trx, input);
    const current = await findMembership(trx, invitation.workspace_id, input.userId);
    const role: WorkspaceRole = current === 'admin' ? 'admin' : invitation.role;
    await upsertWorkspaceMember(trx, invitation.workspace_id, input.userId, role);
    await deleteInvitation(trx, invitation.id);
    await appendAuditEvent(trx, {
      actorId: input.userId,
      action: 'workspace.invitation.accept',
      workspaceId: invitation.workspace_id,
      details: { invitationId: invitation.id, userId: input.userId, role, invitedBy: invitation.invited_by },
    });
    return { workspaceId: invitation.workspace_id, userId: input.userId, role };
  });
}
