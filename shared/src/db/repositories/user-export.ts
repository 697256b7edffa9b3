import { sql } from 'kysely';
import { ownedBy } from './document-access.js';
import type { Handle } from './handle.js';

/** Queries of a user's data export (see `userExporter`). */

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

export function listSessionsOfUser(db: Handle, userId: string) {
  return db
    .selectFrom('sessions')
    .select([
      'created_at as createdAt',
      'last_seen_at as lastSeenAt',
      'expires_at as expiresAt',
      'user_agent as userAgent',
    ])
    .where('user_id', '=', userId)
    .orderBy('created_at')
    .execute();
}

/** Audit entries by the user or about them (`details.userId`), oldest first. */
export function listAuditEventsOfUser(db: Handle, userId: string, limit: number) {
  return db
    .selectFrom('audit_events')
    .select([
      'id',
      'at',
      'actor_id as actorId',
      'action',
      'document_id as documentId',
      'workspace_id as workspaceId',
      'details',
    ])
    .where((eb) => eb.or([eb('actor_id', '=', userId), eb(sql`details->>'userId'`, '=', userId)]))
    .orderBy('id')
    .limit(limit)
    .execute();
}
