import { type Expression, type RawBuilder, type SqlBool, sql } from 'kysely';
import type { WorkspaceRole } from '../schema.js';
import type { Handle } from './handle.js';

export async function upsertWorkspaceMember(
  db: Handle,
  workspaceId: string,
  userId: string,
  role: WorkspaceRole,
): Promise<void> {
  await db
    .insertInto('workspace_members')
    .values({ workspace_id: workspaceId, user_id: userId, role })
    .onConflict((oc) => oc.columns(['workspace_id', 'user_id']).doUpdateSet({ role }))
    .execute();
}

export async function removeWorkspaceMember(
  db: Handle,
  workspaceId: string,
  userId: string,
): Promise<boolean> {
  const result = await db
    .deleteFrom('workspace_members')
    .where('workspace_id', '=', workspaceId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}

export async function findMembership(
  db: Handle,
  workspaceId: string,
  userId: string,
): Promise<WorkspaceRole | undefined> {
  const row = await db
    .selectFrom('workspace_members')
    .select('role')
    .where('workspace_id', '=', workspaceId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return row?.role;
}

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

/**
 * Shared workspaces in which the user is the only admin while others are members, with
 * the longest-standing other member (who becomes admin: a workspace keeps one).
 */
export function listWorkspacesLosingTheirLastAdmin(db: Handle, userId: string) {
  return db
    .selectFrom('workspace_members as mine')
    .innerJoin('workspaces as w', 'w.id', 'mine.workspace_id')
    .select((eb) => [
      'w.id as workspaceId',
      eb
        .selectFrom('workspace_members as o')
        .select('o.user_id')
        .whereRef('o.workspace_id', '=', 'w.id')
        .where('o.user_id', '<>', userId)
        .orderBy('o.created_at')
        .orderBy('o.user_id')
        .limit(1)
        .as('successorId'),
    ])
    .where('mine.user_id', '=', userId)
    .where('mine.role', '=', 'admin')
    .where('w.personal_user_id', 'is', null)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('workspace_members as a')
            .select(sql`1`.as('one'))
            .whereRef('a.workspace_id', '=', 'w.id')
            .where('a.user_id', '<>', userId)
            .where('a.role', '=', 'admin'),
        ),
      ),
    )
    .execute();
}

export async function deleteUserMemberships(db: Handle, userId: string): Promise<string[]> {
  const rows = await db
    .deleteFrom('workspace_members')
    .where('user_id', '=', userId)
    .returning('workspace_id')
    .execute();
  return rows.map((r) => r.workspace_id);
}
