import type { AuditEvent } from '../schema.js';
import type { Handle } from './handle.js';

export interface AuditFilter {
  documentId?: string | undefined;
  actorId?: string | undefined;
  action?: string | undefined;
  /** Inclusive. */
  since?: Date | undefined;
  /** Exclusive. */
  until?: Date | undefined;
}

/**
 * One page of the audit log in chain order (oldest first), after the entry `afterId`.
 * Each filter column has an index that ends in `id`, so a page is a short index range
 * however long the log is.
 */
export function listAuditEvents(
  db: Handle,
  filter: AuditFilter,
  page: { afterId: number; limit: number },
): Promise<AuditEvent[]> {
  let q = db.selectFrom('audit_events').selectAll().where('id', '>', page.afterId);
  if (filter.documentId !== undefined) q = q.where('document_id', '=', filter.documentId);
  if (filter.actorId !== undefined) q = q.where('actor_id', '=', filter.actorId);
  if (filter.action !== undefined) q = q.where('action', '=', filter.action);
  if (filter.since !== undefined) q = q.where('at', '>=', filter.since);
  if (filter.until !== undefined) q = q.where('at', '<', filter.until);
  return q.orderBy('id').limit(page.limit).execute();
}
