import { appendAuditEvent } from '../db/repositories/audit.js';
import { type Handle, inTransaction } from '../db/repositories/handle.js';
import { deleteInvitation } from '../db/repositories/workspace-invitations.js';
import { loadOwnInvitation } from './workspace-invitation-accepter.js';

/** The invitee says no: the invitation goes. */
export async function workspaceInvitationDecliner(
  db: Handle,
  input: { invitationId: string; userId: string; now?: Date },
): Promise<void> {
  await inTransaction(db, async (trx) => {
    const invitation = await loadOwnInvitation(trx, input);
    await deleteInvitation(trx, invitation.id);
    await appendAuditEvent(trx, {
      actorId: input.userId,
      action: 'workspace.invitation.decline',
      workspaceId: invitation.workspace_id,
      details: { invitationId: invitation.id, userId: input.userId },
    });
  });
}
