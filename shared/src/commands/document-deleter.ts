import type { CollabBus } from '../collab-bus.js';
import { appendToLedgerFile } from '../crypto/erasure-ledger.js';
import { keyringOf } from '../crypto/keyring.js';
import { appendAuditEvent } from '../db/repositories/audit.js';
import { deleteDocument, findDocument } from '../db/repositories/documents.js';
import { type Handle, inTransaction } from '../db/repositories/handle.js';
import { recordWebhookEvent } from '../db/repositories/webhooks.js';
import { FolioError } from '../errors.js';
import { documentUpdateAuditor } from './document-update-auditor.js';

/**
 * Deletes a document with all of its history: snapshots, update log, versions, search
 * row and permissions go by foreign-key cascade in the same statement, and its data key
 * is shredded and the delete recorded in the erasure ledger by the trigger on
 * `documents`, in the same transaction. Live clients are told after commit.
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
  const keyring = keyringOf(db);
  if (keyring) {
    keyring.forget('document', [input.documentId]);
    // The ledger's file copy. The delete is committed and the trigger wrote the table
    // copy, so a failed append must not fail the request; the next replay rewrites the file.
    await appendToLedgerFile(keyring, [{ kind: 'document', subject: input.documentId }]).catch(
      () => undefined,
    );
  }
  await bus?.publish({ type: 'document-deleted', documentId: input.documentId });
}
