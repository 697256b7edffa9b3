import type { CollabBus } from '../collab-bus.js';
import { appendAuditEvent } from '../db/repositories/audit.js';
import { removeDocumentPermissionsInWorkspace } from '../db/repositories/document-permissions.js';
import { type Handle, inTransaction } from '../db/repositories/handle.js';
import { findUserById } from '../db/repositories/users.js';
import { deleteInvitationOf } from '../db/repositories/workspace-invitations.js';
import {
  countWorkspaceAdmins,
  findMembership,
  removeWorkspaceMember,
  upsertWorkspaceMember,
} from '../db/repositories/workspace-members.js';
import { findWorkspace, insertWorkspace } from '../db/repositories/workspaces.js';
import type { Workspace, WorkspaceRole } from '../db/schema.js';
import { FolioError } from '../errors.js';
import { newId } from '../ids.js';
import type { SearchLanguage } from '../search-language.js';

/** Creates a shared workspace administered by its creator (search in English unless told). */
export async function workspaceCreator(
  db: Handle,
  input: { name: string; actorId: string; searchLanguage?: SearchLanguage | undefined },
): Promise<Workspace> {
  return inTransaction(db, async (trx) => {
    const workspace = await insertWorkspace(trx, {
      id: newId(),
      name: input.name,
      createdBy: input.actorId,
      searchLanguage: input.searchLanguage,
    });
    await upsertWorkspaceMember(trx, workspace.id, input.actorId, 'admin');
    await appendAuditEvent(trx, {
      actorId: input.actorId,
      action: 'workspace.create',
      workspaceId: workspace.id,
    });
    return workspace;
  });
}

async function loadShared(trx: Handle, workspaceId: string): Promise<Workspace> {
  const workspace = await findWorkspace(trx, workspaceId);
  if (!workspace) throw new FolioError('NOT_FOUND', 'workspace not found');
  if (workspace.personal_user_id) {
    throw new FolioError('CONFLICT', 'a personal workspace has exactly one member');
  }
  return workspace;
}

/** Refuses to leave a workspace without an administrator. */
async function keepAnAdmin(trx: Handle, workspaceId: string, userId: string, next: WorkspaceRole | null) {
  const current = await findMembership(trx, workspaceId, userId);
  if (current === 'admin' && next !== 'admin' && (await countWorkspaceAdmins(trx, workspaceId)) <= 1) {
    throw new FolioError('CONFLICT', 'a workspace keeps at least one admin', { field: 'userId' });
  }
  return current;
}

/** Adds a member to a workspace or changes their role. */
export async function workspaceMemberSetter(
  db: Handle,
  input: { workspaceId: string; userId: string; role: WorkspaceRole; actorId: string },
  bus?: CollabBus,
): Promise<{ workspaceId: string; userId: string; role: WorkspaceRole }> {
  const previous = await inTransaction(db, async (trx) => {
    await loadShared(trx, input.workspaceId);
    const user = await findUserById(trx, input.userId);
    if (!user || user.erased_at) throw new FolioError('NOT_FOUND', 'no such user', { field: 'userId' });
    const current = await keepAnAdmin(trx, input.workspaceId, input.userId, input.role);
    await upsertWorkspaceMember(trx, input.workspaceId, input.userId, input.role);
    await appendAuditEvent(trx, {
      actorId: input.actorId,
      action: 'workspace.member.set',
      workspaceId: input.workspaceId,
      details: { userId: input.userId, role: input.role },
    });
    return current;
  });
  // Losing workspace admin loses owner rights on its documents; the bus has no
  // per-workspace revocation, so all of the user's connections reconnect and are re-checked.
  if (previous === 'admin' && input.role !== 'admin') {
    await bus?.publish({ type: 'revoke', userId: input.userId });
  }
  return { workspaceId: input.workspaceId, userId: input.userId, role: input.role };
}

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
    await loadShared(trx, input.workspaceId);
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
