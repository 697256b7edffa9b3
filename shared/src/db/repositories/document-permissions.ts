import { sql } from 'kysely';
import type { DocumentRole } from '../schema.js';
import type { Handle } from './handle.js';
import { sharesAWorkspace } from './workspace-members.js';

export async function setDocumentPermission(
  db: Handle,
  documentId: string,
  userId: string,
  role: DocumentRole,
  grantedBy: string | null,
): Promise<void> {
  await db
    .insertInto('document_permissions')
    .values({ document_id: documentId, user_id: userId, role, granted_by: grantedBy })
    .onConflict((oc) => oc.columns(['document_id', 'user_id']).doUpdateSet({ role, granted_by: grantedBy }))
    .execute();
}

export async function removeDocumentPermission(
  db: Handle,
  documentId: string,
  userId: string,
): Promise<boolean> {
  const result = await db
    .deleteFrom('document_permissions')
    .where('document_id', '=', documentId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}

export async function findDocumentPermission(
  db: Handle,
  documentId: string,
  userId: string,
): Promise<DocumentRole | undefined> {
  const row = await db
    .selectFrom('document_permissions')
    .select('role')
    .where('document_id', '=', documentId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return row?.role;
}

export async function countDocumentRole(db: Handle, documentId: string, role: DocumentRole): Promise<number> {
  const row = await db
    .selectFrom('document_permissions')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('document_id', '=', documentId)
    .where('role', '=', role)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * A document's explicit roles as `viewer` may see them: email and name only of users who
 * share a workspace with the viewer (or all, when `viewer.seesEveryone`), null otherwise.
 */
export function listDocumentPermissions(
  db: Handle,
  documentId: string,
  viewer: { userId: string; seesEveryone: boolean },
) {
  return db
    .selectFrom('document_permissions')
    .innerJoin('users', 'users.id', 'document_permissions.user_id')
    .select((eb) => {
      const visible = viewer.seesEveryone
        ? sql<boolean>`true`
        : eb.or([eb('users.id', '=', viewer.userId), sharesAWorkspace(viewer.userId, eb.ref('users.id'))]);
      return [
        'document_permissions.user_id as userId',
        'document_permissions.role',
        'document_permissions.created_at as createdAt',
        eb.case().when(visible).then(eb.ref('users.email')).else(null).end().as('email'),
        eb.case().when(visible).then(eb.ref('users.name')).else(null).end().as('name'),
      ];
    })
    .where('document_permissions.document_id', '=', documentId)
    .orderBy('document_permissions.created_at')
    .execute();
}

export function listDocumentPermissionsOfUser(db: Handle, userId: string) {
  return db
    .selectFrom('document_permissions as p')
    .innerJoin('documents as d', 'd.id', 'p.document_id')
    .select([
      'p.document_id as documentId',
      'd.title',
      'd.workspace_id as workspaceId',
      'p.role',
      'p.granted_by as grantedBy',
      'p.created_at as createdAt',
    ])
    .where('p.user_id', '=', userId)
    .orderBy('p.created_at')
    .orderBy('p.document_id')
    .execute();
}

const roleRank = sql<number>`case role when 'owner' then 3 when 'editor' then 2 else 1 end`;

/** Who inherits a document: the strongest other role on it, the longest-standing first. */
export async function findDocumentSuccessor(
  db: Handle,
  documentId: string,
  excludedUserId: string,
): Promise<{ userId: string; role: DocumentRole } | undefined> {
  const row = await db
    .selectFrom('document_permissions')
    .select(['user_id as userId', 'role'])
    .where('document_id', '=', documentId)
    .where('user_id', '<>', excludedUserId)
    .orderBy(roleRank, 'desc')
    .orderBy('created_at')
    .orderBy('user_id')
    .limit(1)
    .executeTakeFirst();
  return row;
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

export async function deleteUserPermissions(db: Handle, userId: string): Promise<number> {
  const result = await db.deleteFrom('document_permissions').where('user_id', '=', userId).executeTakeFirst();
  return Number(result.numDeletedRows);
}
