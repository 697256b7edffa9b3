import type { CollabBus } from '../collab-bus.js';
import { appendAuditEvent } from '../db/repositories/audit.js';
import { type Handle, inTransaction } from '../db/repositories/handle.js';
import {
  countPendingInvitations,
  deleteExpiredInvitations,
  hasPendingInvitation,
  upsertWorkspaceInvitation,
} from '../db/repositories/workspace-invitations.js';
import { sharesWorkspace } from '../db/repositories/workspace-members.js';
import { findWorkspace } from '../db/repositories/workspaces.js';
import type { InstanceRole, WorkspaceRole } from '../db/schema.js';
import { FolioError } from '../errors.js';
import { newId } from '../ids.js';
import { workspaceMemberSetter } from './workspace-member-setter.js';

/** An invitation not accepted within this long lapses. */
export const INVITATION_TTL_MS = 14 * 24 * 60 * 60 * 1000;
/** Live invitations per workspace: a bound on what one admin can send out. */
export const MAX_PENDING_INVITATIONS = 100;

export type MemberAddition =
  | { status: 'member'; workspaceId: string; userId: string; role: WorkspaceRole }
  | { status: 'invited'; invitationId: string };

/**
 * `PUT /v1/workspaces/:id/members/:userId`: adds the member directly when the actor is an
 * instance admin, or already shares a workspace with that user (this one included, which
 * is a role change); otherwise invites them.
 *
 * An invitation says nothing about whether the id names a user: unknown, erased and
 * unshared ids all get one, stored alike, so the answer (202 with an invitation id) and
 * every later answer about it (withdrawal, the workspace's bound) are the same. Only the
 * named user can ever see or accept it.
 */
export async function workspaceInviter(
  db: Handle,
  input: {
    workspaceId: string;
    userId: string;
    role: WorkspaceRole;
    actor: { userId: string; role: InstanceRole };
    now?: Date;
  },
  bus?: CollabBus,
): Promise<MemberAddition> {
  const { workspaceId, userId, role, actor } = input;
  if (actor.role === 'admin' || (await sharesWorkspace(db, actor.userId, userId))) {
    const member = await workspaceMemberSetter(db, { workspaceId, userId, role, actorId: actor.userId }, bus);
    return { status: 'member', ...member };
  }
  const now = input.now ?? new Date();
  const invitationId = await inTransaction(db, async (trx) => {
    // Same refusals as a direct addition, before anything depends on who is invited.
    const workspace = await findWorkspace(trx, workspaceId);
    if (!workspace) throw new FolioError('NOT_FOUND', 'workspace not found');
    if (workspace.personal_user_id) {
      throw new FolioError('CONFLICT', 'a personal workspace has exactly one member');
    }
    await deleteExpiredInvitations(trx, workspaceId, now);
    if (
      !(await hasPendingInvitation(trx, workspaceId, userId, now)) &&
      (await countPendingInvitations(trx, workspaceId, now)) >= MAX_PENDING_INVITATIONS
    ) {
      throw new FolioError(
        'CONFLICT',
        `a workspace has at most ${MAX_PENDING_INVITATIONS} pending invitations; withdraw some first`,
      );
    }
    const id = await upsertWorkspaceInvitation(trx, {
      id: newId(),
      workspaceId,
      inviteeId: userId,
      role,
      invitedBy: actor.userId,
      createdAt: now,
      expiresAt: new Date(now.getTime() + INVITATION_TTL_MS),
    });
    await appendAuditEvent(trx, {
      actorId: actor.userId,
      action: 'workspace.invitation.create',
      workspaceId,
      details: { invitationId: id, userId, role },
    });
    return id;
  });
  return { status: 'invited', invitationId };
}
