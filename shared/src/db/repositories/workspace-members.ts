import { type Expression, type RawBuilder, type SqlBool, sql } from 'kysely';
import type { Handle } from './handle.js';

export function listWorkspaceMembers(db: Handle, workspaceId: string) {
  return db
    .selectFrom('workspace_members')
    .innerJoin('users', 'users.id', 'workspace_members.user_id')
    .select([
      'workspace_members.user_id as userId',
      'workspace_members.role',
      'workspace_members.created_at as createdAt',
      'users.email',
      'users.name',
    ])
    .where('workspace_members.workspace_id', '=', workspaceId)
    .orderBy('workspace_members.created_at')
    .execute();
}

export async function countWorkspaceAdmins(db: Handle, workspaceId: string): Promise<number> {
  const row = await db
    .selectFrom('workspace_members')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('workspace_id', '=', workspaceId)
    .where('role', '=', 'admin')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Whether the user `userId` names shares at least one workspace with `viewerId`: the
 * condition under which one user may see another's email and name. Two index lookups
 * on workspace_members (by user, then by primary key).
 */
export function sharesAWorkspace(viewerId: string, userId: Expression<string>): RawBuilder<SqlBool> {
  return sql<SqlBool>`exists (
    select 1 from workspace_members as mine
    join workspace_members as theirs on theirs.workspace_id = mine.workspace_id
    where mine.user_id = ${viewerId} and theirs.user_id = ${userId}
  )`;
}

/** `sharesAWorkspace` for two known ids. A user shares a workspace with themself. */
export async function sharesWorkspace(db: Handle, viewerId: string, userId: string): Promise<boolean> {
  if (viewerId === userId) return true;
  const row = await db
    .selectFrom('workspace_members as mine')
    .innerJoin('workspace_members as theirs', 'theirs.workspace_id', 'mine.workspace_id')
    .select('mine.workspace_id')
    .where('mine.user_id', '=', viewerId)
    .where('theirs.user_id', '=', userId)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/** Deletes the user's roles on the workspace's documents; the documents' ids. */
export async function removeDocumentPermissionsInWorkspace(
  db: Handle,
  workspaceId: string,
  userId: string,
): Promise<string[]> {
  const rows = await db
    .deleteFrom('document_permissions')
    .where('user_id', '=', userId)
    .where('document_id', 'in', (eb) =>
      eb.selectFrom('documents').select('documents.id').where('documents.workspace_id', '=', workspaceId),
    )
    .returning('document_id')
    .execute();
  return rows.map((r) => r.document_id);
}
