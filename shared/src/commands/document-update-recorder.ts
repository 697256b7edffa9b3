import { appendAuditEvents } from '../db/repositories/audit.js';
import { appendDocumentUpdates } from '../db/repositories/documents.js';
import { type Handle, inTransaction } from '../db/repositories/handle.js';

export interface UpdateToRecord {
  documentId: string;
  /** A validated Yjs V1 update (see validateUpdateV1). */
  update: Uint8Array;
  actorId: string | null;
  connectionId: string | null;
}

/**
 * Appends updates of any number of documents to the update log in one transaction, and
 * audits them as `document.update`, one entry per document and actor with the update
 * count and bytes (an entry per keystroke would drown the audit log). Returns each
 * update's sequence number, in input order, or undefined where the document no longer
 * exists.
 *
 * Documents are locked in id order: two instances committing overlapping batches then
 * queue instead of deadlocking. The audit chain head is locked last, as audit.ts asks.
 */
export async function documentUpdateRecorder(
  db: Handle,
  updates: readonly UpdateToRecord[],
): Promise<(number | undefined)[]> {
  if (updates.length === 0) return [];
  const byDocument = new Map<string, number[]>();
  updates.forEach((u, i) => {
    const list = byDocument.get(u.documentId);
    if (list) list.push(i);
    else byDocument.set(u.documentId, [i]);
  });
  const seqs: (number | undefined)[] = new Array(updates.length).fill(undefined);
  return inTransaction(db, async (trx) => {
    const audit = new Map<
      string,
      { documentId: string; actorId: string | null; updates: number; bytes: number }
    >();
    for (const documentId of [...byDocument.keys()].sort()) {
      const indexes = byDocument.get(documentId) ?? [];
      const rows = indexes.map((i) => updates[i] as UpdateToRecord);
      const last = await appendDocumentUpdates(trx, documentId, rows);
      if (last === undefined) continue;
      indexes.forEach((updateIndex, k) => {
        seqs[updateIndex] = last - indexes.length + 1 + k;
      });
      for (const row of rows) {
        const key = `${documentId}\u0000${row.actorId ?? ''}`;
        const entry = audit.get(key) ?? { documentId, actorId: row.actorId, updates: 0, bytes: 0 };
        entry.updates++;
        entry.bytes += row.update.byteLength;
        audit.set(key, entry);
      }
    }
    await appendAuditEvents(
      trx,
      [...audit.values()].map((a) => ({
        actorId: a.actorId,
        action: 'document.update',
        documentId: a.documentId,
        details: { updates: a.updates, bytes: a.bytes },
      })),
    );
    return seqs;
  });
}
