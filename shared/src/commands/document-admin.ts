import type { CollabBus } from '../collab-bus.js';
import { appendAuditEvent } from '../db/repositories/audit.js';
import {
  countDocumentRole,
  findDocumentPermission,
  removeDocumentPermission,
  setDocumentPermission,
} from '../db/repositories/document-permissions.js';
import { deleteDocument, findDocument, updateDocumentTitle } from '../db/repositories/documents.js';
import { type Handle, inTransaction } from '../db/repositories/handle.js';
import { updateSearchTitle } from '../db/repositories/search.js';
import { findUserById } from '../db/repositories/users.js';
import { recordWebhookEvent } from '../db/repositories/webhooks.js';
import { findMembership } from '../db/repositories/workspace-members.js';
import type { DocumentRole, DocumentRow } from '../db/schema.js';
import { FolioError } from '../errors.js';
import { documentUpdateAuditor } from './document-update-auditor.js';

/** Renames a document (its search row too). */
export async function documentRenamer(
  db: Handle,
  input: { documentId: string; title: string; actorId: string },
): Promise<DocumentRow> {
  return inTransaction(db, async (trx) => {
    const row = await updateDocumentTitle(trx, input.documentId, input.title);
    if (!row) throw new FolioError('NOT_FOUND', 'document not found');
    await updateSearchTitle(trx, input.documentId, input.title);
    await appendAuditEvent(trx, {
      actorId: input.actorId,
      action: 'document.rename',
      documentId: row.id,
      workspaceId: row.workspace_id,
    });
    return row;
  });
}

/**
 * Deletes a document with all of its history: snapshots, update log, versions, search
 * row and permissions go by foreign-key cascade in the same statement. Live clients are
 * told after commit.
 */
export async function documentDeleter(
  db: Handle,
  input: { documentId: string; actorId: string },
  bus?: CollabBus,
): Promise<void> {
  // The delete cascades to the update log: audit what the summariser has not reached yet
  // first, so the document's stored edits keep their `document.update` entries. (An
  // edit committed between this pass and the delete is deleted unaudited; the delete
  // itself is audited.)
  await documentUpdateAuditor(db, { holder: 'document-deleter', force: true });
  await inTransaction(db, async (trx) => {
    const row = await findDocument(trx, input.documentId);
    if (!row || !(await deleteDocument(trx, input.documentId))) {
      throw new FolioError('NOT_FOUND', 'document not found');
    }
    await appendAuditEvent(trx, {
      actorId: input.actorId,
      action: 'document.delete',
      documentId: row.id,
      workspaceId: row.workspace_id,
    });
    await recordWebhookEvent(trx, {
      type: 'document.deleted',
      workspaceId: row.workspace_id,
      documentId: row.id,
      data: { documentId: row.id, workspaceId: row.workspace_id, actorId: input.actorId },
    });
  });
  await bus?.publish({ type: 'document-deleted', documentId: input.documentId });
}

/** Refuses to leave a document without an explicit owner. */
async function keepAnOwner(trx: Handle, documentId: string, userId: string, nextRole: DocumentRole | null) {
  const current = await findDocumentPermission(trx, documentId, userId);
  if (
    current === 'owner' &&
    nextRole !== 'owner' &&
    (await countDocumentRole(trx, documentId, 'owner')) <= 1
  ) {
    throw new FolioError('CONFLICT', 'a document keeps at least one owner', { field: 'userId' });
  }
  return current;
}

/** Gives a user a role on a document (or changes it). */
export async function permissionGranter(
  db: Handle,
  input: { documentId: string; userId: string; role: DocumentRole; actorId: string },
  bus?: CollabBus,
): Promise<{ userId: string; role: DocumentRole; previousRole: DocumentRole | undefined }> {
  const previousRole = await inTransaction(db, async (trx) => {
    const document = await findDocument(trx, input.documentId);
    if (!document) throw new FolioError('NOT_FOUND', 'document not found');
    // Only members of the document's workspace can hold a role on it. Anyone else gets
    // the answer an unknown id gets, so this route tells nobody who exists.
    const user = await findUserById(trx, input.userId);
    const member = user && !user.erased_at && (await findMembership(trx, document.workspace_id, user.id));
    if (!member) throw new FolioError('NOT_FOUND', 'no such user', { field: 'userId' });
    const previous = await keepAnOwner(trx, input.documentId, input.userId, input.role);
    await setDocumentPermission(trx, input.documentId, input.userId, input.role, input.actorId);
    await appendAuditEvent(trx, {
      actorId: input.actorId,
      action: 'permission.grant',
      documentId: input.documentId,
      workspaceId: document.workspace_id,
      details: { userId: input.userId, role: input.role, ...(previous ? { previousRole: previous } : {}) },
    });
    const ids = { documentId: input.documentId, workspaceId: document.workspace_id };
    await recordWebhookEvent(trx, {
      type: 'permission.granted',
      ...ids,
      data: { ...ids, userId: input.userId, role: input.role, actorId: input.actorId },
    });
    return previous;
  });
  // A downgrade (editor → viewer) must reach open connections too: they are closed and
  // reconnect with the new role.
  if (previousRole && previousRole !== input.role) {
    await bus?.publish({ type: 'revoke', userId: input.userId, documentId: input.documentId });
  }
  return { userId: input.userId, role: input.role, previousRole };
}

/** Takes a user's role on a document away; their live connections end. */
export async function permissionRevoker(
  db: Handle,
  input: { documentId: string; userId: string; actorId: string },
  bus?: CollabBus,
): Promise<void> {
  await inTransaction(db, async (trx) => {
    const document = await findDocument(trx, input.documentId);
    if (!document) throw new FolioError('NOT_FOUND', 'document not found');
    await keepAnOwner(trx, input.documentId, input.userId, null);
    if (!(await removeDocumentPermission(trx, input.documentId, input.userId))) {
      throw new FolioError('NOT_FOUND', 'that user has no role on this document', { field: 'userId' });
    }
    await appendAuditEvent(trx, {
      actorId: input.actorId,
      action: 'permission.revoke',
      documentId: input.documentId,
      workspaceId: document.workspace_id,
      details: { userId: input.userId },
    });
    const ids = { documentId: input.documentId, workspaceId: document.workspace_id };
    await recordWebhookEvent(trx, {
      type: 'permission.revoked',
      ...ids,
      data: { ...ids, userId: input.userId, actorId: input.actorId },
    });
  });
  await bus?.publish({ type: 'revoke', userId: input.userId, documentId: input.documentId });
}
