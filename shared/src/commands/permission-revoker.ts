import type { CollabBus } from '../collab-bus.js';
import { appendAuditEvent } from '../db/repositories/audit.js';
import { removeDocumentPermission } from '../db/repositories/document-permissions.js';
import { findDocument } from '../db/repositories/documents.js';
import { type Handle, inTransaction } from '../db/repositories/handle.js';
import { recordWebhookEvent } from '../db/repositories/webhooks.js';
import { FolioError } from '../errors.js';
import { keepAnOwner } from './permission-granter.js';

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
