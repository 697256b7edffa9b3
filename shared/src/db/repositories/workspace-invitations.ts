import type { WorkspaceInvitation, WorkspaceRole } from '../schema.js';
import type { Handle } from './handle.js';

/**
 * Creates the invitation, or renews the pending one for the same person (new role,
 * inviter and expiry, same id). Returns its id.
 */
export async function upsertWorkspaceInvitation(
  db: Handle,
  invitation: {
    id: string;
    workspaceId: string;
    inviteeId: string;
    role: WorkspaceRole;
    invitedBy: string;
    createdAt: Date;
    expiresAt: Date;
  },
): Promise<string> {
  const row = await db
    .insertInto('workspace_invitations')
    .values({
      id: invitation.id,
      workspace_id: invitation.workspaceId,
      invitee_id: invitation.inviteeId,
      role: invitation.role,
      invited_by: invitation.invitedBy,
      created_at: invitation.createdAt,
      expires_at: invitation.expiresAt,
    })
    .onConflict((oc) =>
      oc.columns(['workspace_id', 'invitee_id']).doUpdateSet({
        role: invitation.role,
        invited_by: invitation.invitedBy,
        created_at: invitation.createdAt,
        expires_at: invitation.expiresAt,
      }),
    )
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** Whether the workspace already has a live invitation for this id (renewing one is not a new one). */
export async function hasPendingInvitation(
  db: Handle,
  workspaceId: string,
  inviteeId: string,
  now: Date,
): Promise<boolean> {
  const row = await db
    .selectFrom('workspace_invitations')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .where('invitee_id', '=', inviteeId)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return row !== undefined;
}

export async function countPendingInvitations(db: Handle, workspaceId: string, now: Date): Promise<number> {
  const row = await db
    .selectFrom('workspace_invitations')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('workspace_id', '=', workspaceId)
    .where('expires_at', '>', now)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function deleteExpiredInvitations(db: Handle, workspaceId: string, now: Date): Promise<void> {
  await db
    .deleteFrom('workspace_invitations')
    .where('workspace_id', '=', workspaceId)
    .where('expires_at', '<=', now)
    .execute();
}

/** The user's live invitations, with the workspace's name (nothing about the inviter but an id). */
export function listInvitationsOfUser(db: Handle, userId: string, now: Date) {
  return db
    .selectFrom('workspace_invitations as i')
    .innerJoin('workspaces as w', 'w.id', 'i.workspace_id')
    .select([
      'i.id',
      'i.workspace_id as workspaceId',
      'w.name as workspaceName',
      'i.role',
      'i.invited_by as invitedBy',
      'i.created_at as createdAt',
      'i.expires_at as expiresAt',
    ])
    .where('i.invitee_id', '=', userId)
    .where('i.expires_at', '>', now)
    .orderBy('i.created_at')
    .orderBy('i.id')
    .execute();
}

/** A live invitation addressed to this user, locked until the transaction ends. */
export function findInvitationOfUserForUpdate(
  db: Handle,
  invitationId: string,
  userId: string,
  now: Date,
): Promise<WorkspaceInvitation | undefined> {
  return db
    .selectFrom('workspace_invitations')
    .selectAll()
    .where('id', '=', invitationId)
    .where('invitee_id', '=', userId)
    .where('expires_at', '>', now)
    .forUpdate()
    .executeTakeFirst();
}

export async function deleteInvitation(db: Handle, invitationId: string): Promise<boolean> {
  const result = await db
    .deleteFrom('workspace_invitations')
    .where('id', '=', invitationId)
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** Withdraws the workspace's invitation of one person; its id, if there was one. */
export async function deleteInvitationOf(
  db: Handle,
  workspaceId: string,
  inviteeId: string,
): Promise<string | undefined> {
  const row = await db
    .deleteFrom('workspace_invitations')
    .where('workspace_id', '=', workspaceId)
    .where('invitee_id', '=', inviteeId)
    .returning('id')
    .executeTakeFirst();
  return row?.id;
}

/**
 * Erasure: the invitations addressed to the user go; those they sent stay valid for
 * their invitees but no longer name them.
 */
export async function eraseUserInvitations(db: Handle, userId: string): Promise<number> {
  const result = await db
    .deleteFrom('workspace_invitations')
    .where('invitee_id', '=', userId)
    .executeTakeFirst();
  await db
    .updateTable('workspace_invitations')
    .set({ invited_by: null })
    .where('invited_by', '=', userId)
    .execute();
  return Number(result.numDeletedRows);
}
