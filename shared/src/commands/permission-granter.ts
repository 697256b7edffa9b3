import type { CollabBus } from '../collab-bus.js';
import { appendAuditEvent } from '../db/repositories/audit.js';
import {
  countDocumentRole,
  findDocumentPermission,
  setDocumentPermission,
} from '../db/repositories/document-permissions.js';
import { findDocument } from '../db/repositories/documents.js';
import { type Handle, inTransaction } from '../db/repositories/handle.js';
import { findUserById } from '../db/repositories/users.js';
import { recordWebhookEvent } from '../db/repositories/webhooks.js';
import { findMembership } from '../db/repositories/workspace-members.js';
import type { DocumentRole } from '../db/schema.js';
import { FolioError } from '../errors.js';

/**
 * Refuses to leave a document without an explicit owner (granting and revoking both
 * check it); returns the user's current role.
 */
export async function keepAnOwner(
  trx: Handle,
  documentId: string,
  userId: string,
  nextRole: DocumentRole | null,
) {
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
