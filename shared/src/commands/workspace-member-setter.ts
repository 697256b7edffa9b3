import type { CollabBus } from '../collab-bus.js';
import { appendAuditEvent } from '../db/repositories/audit.js';
import { type Handle, inTransaction } from '../db/repositories/handle.js';
import { findUserById } from '../db/repositories/users.js';
import {
  countWorkspaceAdmins,
  findMembership,
  upsertWorkspaceMember,
} from '../db/repositories/workspace-members.js';
import { findWorkspace } from '../db/repositories/workspaces.js';
import type { Workspace, WorkspaceRole } from '../db/schema.js';
import { FolioError } from '../errors.js';

/** A shared workspace, locked for nothing: 404 when gone, 409 for a personal one. */
export async function loadSharedWorkspace(trx: Handle, workspaceId: string): Promise<Workspace> {
  const workspace = await findWorkspace(trx, workspaceId);
  if (!workspace) throw new FolioError('NOT_FOUND', 'workspace not found');
  if (workspace.personal_user_id) {
    throw new FolioError('CONFLICT', 'a personal workspace has exactly one member');
  }
  return workspace;
}

/**
 * Refuses to leave a workspace without an administrator (setting and removing members
 * both check it); returns the user's current role.
 */
export async function keepAnAdmin(
  trx: Handle,
  workspaceId: string,
  userId: string,
  next: WorkspaceRole | null,
) {
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
    await loadSharedWorkspace(trx, input.workspaceId);
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
