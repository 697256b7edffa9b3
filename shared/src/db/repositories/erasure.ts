import { sql } from 'kysely';
import type { DocumentRole } from '../schema.js';
import { ownedBy } from './document-access.js';
import type { Handle } from './handle.js';

/**
 * Queries of a user's erasure (see `userEraser`). They lock what they read where a
 * concurrent change would make the decision wrong.
 */

/**
 * Locks the user row for the rest of the transaction: one erasure of a user at a time.
 * `pseudonymized`: the row already carries a pseudonym (an erasure ran to the end), so
 * a retry keeps that id.
 */
export function lockUserForErasure(db: Handle, userId: string) {
  return db
    .selectFrom('users')
    .select(['id', 'erased_at', sql<boolean>`erased_at is not null and id <> audit_ref`.as('pseudonymized')])
    .where('id', '=', userId)
    .forUpdate()
    .executeTakeFirst();
}

/**
 * The documents the user owns (an explicit owner role, or anything in their personal
 * workspace), with whether anyone else can still reach each: another user with any role
 * on it, or another admin of its workspace (workspace admins act as owners).
 */
export async function listOwnedDocumentsForErasure(db: Handle, userId: string) {
  const rows = await db
    .selectFrom('documents as d')
    .innerJoin('workspaces as w', 'w.id', 'd.workspace_id')
    .select((eb) => [
      'd.id',
      'd.workspace_id as workspaceId',
      eb('w.personal_user_id', '=', userId).as('inPersonalWorkspace'),
      eb
        .selectFrom('document_permissions as p')
        .select((e) => e.fn.countAll<string>().as('n'))
        .whereRef('p.document_id', '=', 'd.id')
        .where('p.user_id', '<>', userId)
        .as('otherRoles'),
      eb
        .selectFrom('document_permissions as p')
        .select((e) => e.fn.countAll<string>().as('n'))
        .whereRef('p.document_id', '=', 'd.id')
        .where('p.user_id', '<>', userId)
        .where('p.role', '=', 'owner')
        .as('otherOwners'),
      eb
        .selectFrom('workspace_members as m')
        .select((e) => e.fn.countAll<string>().as('n'))
        .whereRef('m.workspace_id', '=', 'd.workspace_id')
        .where('m.user_id', '<>', userId)
        .where('m.role', '=', 'admin')
        .as('otherWorkspaceAdmins'),
    ])
    .where((eb) => ownedBy(eb, userId))
    .orderBy('d.id')
    // Row-locks the documents: a permission granted meanwhile waits for the decision.
    .forUpdate('d')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    workspaceId: r.workspaceId,
    inPersonalWorkspace: Boolean(r.inPersonalWorkspace),
    otherRoles: Number(r.otherRoles ?? 0),
    otherOwners: Number(r.otherOwners ?? 0),
    otherWorkspaceAdmins: Number(r.otherWorkspaceAdmins ?? 0),
  }));
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

/** Moves documents to another workspace (their search rows follow). */
export async function moveDocumentsToWorkspace(
  db: Handle,
  documentIds: string[],
  workspaceId: string,
): Promise<void> {
  if (documentIds.length === 0) return;
  await db
    .updateTable('documents')
    .set({ workspace_id: workspaceId, updated_at: new Date() })
    .where('id', 'in', documentIds)
    .execute();
  await db
    .updateTable('document_search')
    .set({ workspace_id: workspaceId })
    .where('document_id', 'in', documentIds)
    .execute();
}

export async function deleteDocuments(db: Handle, documentIds: string[]): Promise<number> {
  if (documentIds.length === 0) return 0;
  const result = await db.deleteFrom('documents').where('id', 'in', documentIds).executeTakeFirst();
  return Number(result.numDeletedRows);
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

export async function deleteUserPermissions(db: Handle, userId: string): Promise<number> {
  const result = await db.deleteFrom('document_permissions').where('user_id', '=', userId).executeTakeFirst();
  return Number(result.numDeletedRows);
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

/** Deletes the user's API tokens (revoked ones too: their names are the user's words). */
export async function deleteUserApiTokens(db: Handle, userId: string): Promise<string[]> {
  const rows = await db.deleteFrom('api_tokens').where('user_id', '=', userId).returning('id').execute();
  return rows.map((r) => r.id);
}

export async function deleteUserSessions(db: Handle, userId: string): Promise<Uint8Array[]> {
  const rows = await db.deleteFrom('sessions').where('user_id', '=', userId).returning('id_hash').execute();
  return rows.map((r) => r.id_hash);
}

/**
 * The row stays under a new id, the pseudonym: every foreign key to it follows (ON UPDATE
 * CASCADE), so update attributions, `created_by` and `granted_by` columns and erasure
 * requests name the pseudonym, and the original id is left nowhere. Nothing personal is
 * left on the row, and it holds no privilege. `audit_ref` stays: the audit hashes cover it.
 */
export async function pseudonymizeUser(
  db: Handle,
  userId: string,
  pseudonymId: string,
  at: Date,
): Promise<void> {
  await db
    .updateTable('users')
    .set({
      id: pseudonymId,
      email: null,
      name: '',
      role: 'member',
      oidc_issuer: null,
      oidc_subject: null,
      erased_at: at,
      updated_at: at,
    })
    .where('id', '=', userId)
    .execute();
}
