import type { CollabBus } from '../collab-bus.js';
import { appendAuditEvent } from '../db/repositories/audit.js';
import { removeDocumentPermissionsInWorkspace } from '../db/repositories/document-permissions.js';
import { type Handle, inTransaction } from '../db/repositories/handle.js';
import { deleteInvitationOf } from '../db/repositories/workspace-invitations.js';
import { removeWorkspaceMember } from '../db/repositories/workspace-members.js';
import { FolioError } from '../errors.js';
import { keepAnAdmin, loadSharedWorkspace } from './workspace-member-setter.js';

/**
 * Removes a member from a workspace, with the roles they held on its documents (a
 * document role is only for members of the document's workspace). For someone invited
 * but not yet a member, withdraws the invitation instead.
 */
export async function workspaceMemberRemover(
  db: Handle,
  input: { workspaceId: string; userId: string; actorId: string },
  bus?: CollabBus,
): Promise<void> {
  const lostAccess = await inTransaction(db, async (trx) => {
    await loadSharedWorkspace(trx, input.workspaceId);
    const current = await keepAnAdmin(trx, input.workspaceId, input.userId, null);
    if (!(await removeWorkspaceMember(trx, input.workspaceId, input.userId))) {
      const invitationId = await deleteInvitationOf(trx, input.workspaceId, input.userId);
      if (!invitationId) throw new FolioError('NOT_FOUND', 'that user is not a member', { field: 'userId' });
      await appendAuditEvent(trx, {
        actorId: input.actorId,
        action: 'workspace.invitation.withdraw',
        workspaceId: input.workspaceId,
        details: { invitationId, userId: input.userId },
      });
      return false;
    }
    const documentIds = await removeDocumentPermissionsInWorkspace(trx, input.workspaceId, input.userId);
    await appendAuditEvent(trx, {
      actorId: input.actorId,
      action: 'workspace.member.remove',
      workspaceId: input.workspaceId,
      details: {
        userId: input.userId,
        ...(documentIds.length ? { documentRolesRemoved: documentIds.length } : {}),
      },
    });
    return current === 'admin' || documentIds.length > 0;
  });
  // A former admin loses owner rights on every document of the workspace, a member the
  // roles just removed; the bus has no per-workspace revocation, so all of the user's
  // connections reconnect and are re-checked.
  if (lostAccess) await bus?.publish({ type: 'revoke', userId: input.userId });
}
