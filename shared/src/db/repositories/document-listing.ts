import { sql } from 'kysely';
import type { DocumentRole, DocumentRow } from '../schema.js';
import { readableBy } from './document-access.js';
import type { Handle } from './handle.js';

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

export function updateDocumentTitle(db: Handle, id: string, title: string): Promise<DocumentRow | undefined> {
  return db
    .updateTable('documents')
    .set({ title, updated_at: new Date() })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

export async function updateSearchTitle(db: Handle, documentId: string, title: string): Promise<void> {
  await db.updateTable('document_search').set({ title }).where('document_id', '=', documentId).execute();
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
