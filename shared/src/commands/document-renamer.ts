import { appendAuditEvent } from '../db/repositories/audit.js';
import { updateDocumentTitle } from '../db/repositories/documents.js';
import { type Handle, inTransaction } from '../db/repositories/handle.js';
import { updateSearchTitle } from '../db/repositories/search.js';
import type { DocumentRow } from '../db/schema.js';
import { FolioError } from '../errors.js';

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
