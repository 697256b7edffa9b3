import { sql } from 'kysely';
import type { SearchLanguage } from '../../search-language.js';
import type { Workspace } from '../schema.js';
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

export function findWorkspace(db: Handle, id: string): Promise<Workspace | undefined> {
  return db.selectFrom('workspaces').selectAll().where('id', '=', id).executeTakeFirst();
}

export function findPersonalWorkspace(db: Handle, userId: string): Promise<Workspace | undefined> {
  return db.selectFrom('workspaces').selectAll().where('personal_user_id', '=', userId).executeTakeFirst();
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

/** Shared workspaces among `ids` left with neither members nor documents: deleted. */
export async function deleteAbandonedWorkspaces(db: Handle, ids: string[]): Promise<number> {
  if (ids.length === 0) return 0;
  const result = await db
    .deleteFrom('workspaces as w')
    .where('w.id', 'in', ids)
    .where('w.personal_user_id', 'is', null)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('workspace_members as m')
            .select(sql`1`.as('one'))
            .whereRef('m.workspace_id', '=', 'w.id'),
        ),
      ),
    )
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(selectFrom('documents as d').select(sql`1`.as('one')).whereRef('d.workspace_id', '=', 'w.id')),
      ),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function deletePersonalWorkspace(db: Handle, userId: string): Promise<number> {
  const result = await db.deleteFrom('workspaces').where('personal_user_id', '=', userId).executeTakeFirst();
  return Number(result.numDeletedRows);
}

export function renameWorkspace(db: Handle, id: string, name: string): Promise<Workspace | undefined> {
  return db
    .updateTable('workspaces')
    .set({ name, updated_at: sql`now()` })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}
