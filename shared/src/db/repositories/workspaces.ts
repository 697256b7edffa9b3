import { sql } from 'kysely';
import type { SearchLanguage } from '../../search-language.js';
import type { Workspace, WorkspaceRole } from '../schema.js';
import type { Handle } from './handle.js';

export function insertWorkspace(
  db: Handle,
  workspace: {
    id: string;
    name: string;
    createdBy: string | null;
    personalUserId?: string | null;
    searchLanguage?: SearchLanguage | undefined;
  },
): Promise<Workspace> {
  return db
    .insertInto('workspaces')
    .values({
      id: workspace.id,
      name: workspace.name,
      created_by: workspace.createdBy,
      personal_user_id: workspace.personalUserId ?? null,
      ...(workspace.searchLanguage
        ? { search_language: workspace.searchLanguage, search_languages: [workspace.searchLanguage] }
        : {}),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

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

export function listWorkspacesOfUser(db: Handle, userId: string) {
  return db
    .selectFrom('workspaces')
    .innerJoin('workspace_members', 'workspace_members.workspace_id', 'workspaces.id')
    .selectAll('workspaces')
    .select('workspace_members.role')
    .where('workspace_members.user_id', '=', userId)
    .orderBy('workspaces.created_at')
    .execute();
}

export function findWorkspace(db: Handle, id: string): Promise<Workspace | undefined> {
  return db.selectFrom('workspaces').selectAll().where('id', '=', id).executeTakeFirst();
}

export function findPersonalWorkspace(db: Handle, userId: string): Promise<Workspace | undefined> {
  return db.selectFrom('workspaces').selectAll().where('personal_user_id', '=', userId).executeTakeFirst();
}

export function renameWorkspace(db: Handle, id: string, name: string): Promise<Workspace | undefined> {
  return db
    .updateTable('workspaces')
    .set({ name, updated_at: sql`now()` })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}
