import { sql } from 'kysely';
import { keyringOf } from '../../crypto/keyring.js';
import type { DocumentRow } from '../schema.js';
import { ownedBy, readableBy } from './document-access.js';
import type { Handle } from './handle.js';

/**
 * Inserts a document and, with sealing on, makes its data key in the same statement's
 * transaction (when given one): the first edit then never pays for creating it on the
 * collaboration hot path, where it would also slow that one commit against others.
 */
export async function insertDocument(
  db: Handle,
  doc: { id: string; workspaceId: string; title: string; createdBy: string | null },
): Promise<DocumentRow> {
  const row = await db
    .insertInto('documents')
    .values({ id: doc.id, workspace_id: doc.workspaceId, title: doc.title, created_by: doc.createdBy })
    .returningAll()
    .executeTakeFirstOrThrow();
  const keyring = keyringOf(db);
  if (keyring?.sealWrites) await keyring.obtain(db, 'document', row.id);
  return row;
}

export function findDocument(db: Handle, id: string): Promise<DocumentRow | undefined> {
  return db.selectFrom('documents').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function deleteDocument(db: Handle, id: string): Promise<boolean> {
  const result = await db.deleteFrom('documents').where('id', '=', id).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

export async function deleteDocuments(db: Handle, documentIds: string[]): Promise<number> {
  if (documentIds.length === 0) return 0;
  const result = await db.deleteFrom('documents').where('id', 'in', documentIds).executeTakeFirst();
  return Number(result.numDeletedRows);
}

export function updateDocumentTitle(db: Handle, id: string, title: string): Promise<DocumentRow | undefined> {
  return db
    .updateTable('documents')
    .set({ title, updated_at: new Date() })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

/**
 * Marks documents as changed now (`updated_at`, the database clock: the search sweeper
 * compares it with the search row's). Not per edit: REST writes and the audit
 * summariser's passes call it, once per document.
 */
export async function touchDocuments(db: Handle, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await db
    .updateTable('documents')
    .set({ updated_at: sql`now()` })
    .where('id', '=', sql<string>`any(${[...ids]}::text[])`)
    .execute();
}

export interface ReadableDocumentsQuery {
  userId: string;
  /** Instance admins read everything. */
  instanceAdmin: boolean;
  workspaceId?: string | undefined;
  limit: number;
  /** Keyset cursor: the last id of the previous page (ids sort by creation time). */
  beforeId?: string | undefined;
}

/**
 * Documents the user may read, newest first: those they hold a role on and every
 * document of workspaces they administer (the policy's `effectiveDocumentRole`, as SQL).
 * Workspace membership alone grants nothing.
 */
export function listReadableDocuments(db: Handle, query: ReadableDocumentsQuery): Promise<DocumentRow[]> {
  let q = db.selectFrom('documents').selectAll('documents');
  if (!query.instanceAdmin) {
    q = q.where((eb) => readableBy(eb, 'documents', query.userId));
  }
  if (query.workspaceId !== undefined) q = q.where('documents.workspace_id', '=', query.workspaceId);
  if (query.beforeId !== undefined) q = q.where('documents.id', '<', query.beforeId);
  return q.orderBy('documents.id', 'desc').limit(query.limit).execute();
}

/**
 * Which of `ids` the user may read now (and that still exist), by primary key: the
 * check behind a result that was computed on a replica.
 */
export async function filterReadableDocumentIds(
  db: Handle,
  reader: { userId: string; instanceAdmin: boolean },
  ids: string[],
): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  let q = db.selectFrom('documents').select('documents.id').where('documents.id', 'in', ids);
  if (!reader.instanceAdmin) q = q.where((eb) => readableBy(eb, 'documents', reader.userId));
  const rows = await q.execute();
  return new Set(rows.map((r) => r.id));
}

/** Documents the user owns: an explicit owner role, or anything in their personal workspace. */
export function listOwnedDocuments(db: Handle, userId: string, limit: number) {
  return db
    .selectFrom('documents as d')
    .innerJoin('workspaces as w', 'w.id', 'd.workspace_id')
    .select([
      'd.id',
      'd.title',
      'd.workspace_id as workspaceId',
      'd.created_by as createdBy',
      'd.created_at as createdAt',
      'd.updated_at as updatedAt',
    ])
    .where((eb) => ownedBy(eb, userId))
    .orderBy('d.created_at')
    .orderBy('d.id')
    .limit(limit)
    .execute();
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

/** Documents changed in the last `withinMs` (database clock), oldest change first, at most `limit`. */
export async function listRecentlyChangedDocuments(
  db: Handle,
  withinMs: number,
  limit: number,
): Promise<string[]> {
  const rows = await db
    .selectFrom('documents')
    .select('id')
    .where('updated_at', '>', sql<Date>`now() - ${withinMs} * interval '1 millisecond'`)
    .orderBy('updated_at')
    .limit(limit)
    .execute();
  return rows.map((r) => r.id);
}
