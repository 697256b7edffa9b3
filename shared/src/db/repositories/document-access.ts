import { type Expression, type ExpressionBuilder, type SqlBool, sql } from 'kysely';
import type { Database } from '../schema.js';
import type { Handle } from './handle.js';

/**
 * "The user owns document d": an explicit owner role on it, or it sits in their personal
 * workspace. For queries over `documents as d` joined with `workspaces as w`; erasure
 * and export must agree on it, hence one definition.
 */
export function ownedBy(
  eb: ExpressionBuilder<Database & { d: Database['documents']; w: Database['workspaces'] }, 'd' | 'w'>,
  userId: string,
) {
  return eb.or([
    eb('w.personal_user_id', '=', userId),
    eb.exists(
      eb
        .selectFrom('document_permissions as p')
        .select(sql`1`.as('one'))
        .whereRef('p.document_id', '=', 'd.id')
        .where('p.user_id', '=', userId)
        .where('p.role', '=', 'owner'),
    ),
  ]);
}

/**
 * "The user may read the document": an explicit role on it, or it belongs to a workspace
 * they administer — the policy's `effectiveDocumentRole` as SQL (instance admins are
 * handled by the caller, which skips the predicate). Workspace membership alone grants
 * nothing. Listing and search must agree on it, hence one definition; `alias` is how the
 * caller's query names the documents table.
 */
export function readableBy(
  eb: ExpressionBuilder<any, any>,
  alias: 'documents' | 'd',
  userId: string,
): Expression<SqlBool> {
  return eb.or([
    eb(
      `${alias}.id`,
      'in',
      eb.selectFrom('document_permissions').select('document_id').where('user_id', '=', userId),
    ),
    eb(
      `${alias}.workspace_id`,
      'in',
      eb
        .selectFrom('workspace_members')
        .select('workspace_id')
        .where('user_id', '=', userId)
        .where('role', '=', 'admin'),
    ),
  ]);
}

/**
 * What the policy needs to decide about one user and one document, in one round trip:
 * the document, the user's explicit role on it and their role in its workspace.
 */
export function findDocumentAccess(db: Handle, documentId: string, userId: string) {
  return db
    .selectFrom('documents')
    .leftJoin('document_permissions as p', (join) =>
      join.onRef('p.document_id', '=', 'documents.id').on('p.user_id', '=', userId),
    )
    .leftJoin('workspace_members as m', (join) =>
      join.onRef('m.workspace_id', '=', 'documents.workspace_id').on('m.user_id', '=', userId),
    )
    .select([
      'documents.id',
      'documents.workspace_id as workspaceId',
      'documents.created_by as createdBy',
      'p.role as documentRole',
      'm.role as workspaceRole',
    ])
    .where('documents.id', '=', documentId)
    .executeTakeFirst();
}
