import { appendAuditEvents } from '../db/repositories/audit.js';
import { appendUpdatesOfDocuments } from '../db/repositories/documents.js';
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
 * A constant number of statements whatever the number of documents (the group commit's
 * cost is round trips): one reserves every document's sequence range, locking documents
 * in id order so two instances committing overlapping batches queue instead of
 * deadlocking; one inserts the log rows; the audit chain head is locked last, as
 * audit.ts asks, and held for one more statement before the commit.
 */
export async function documentUpdateRecorder(
  db: Handle,
  updates: readonly UpdateToRecord[],
  options: {
    /**
     * Called once the documents are row-locked and the rows inserted, before the audit
     * and the commit: a later transaction started from now on reserves any of these
     * documents only after this one ends, so gets the later sequence numbers.
     */
    onLocked?: () => void;
  } = {},
): Promise<(number | undefined)[]> {
  if (updates.length === 0) return [];
  return inTransaction(db, async (trx) => {
    const seqs = await appendUpdatesOfDocuments(trx, updates);
    options.onLocked?.();
    const audit = new Map<
      string,
      { documentId: string; actorId: string | null; updates: number; bytes: number }
    >();
    // Entries in document id order, as before: deterministic, whatever the arrival order.
    const order = updates
      .map((_u, i) => i)
      .filter((i) => seqs[i] !== undefined)
      .sort((x, y) => {
        const a = (updates[x] as UpdateToRecord).documentId;
        const b = (updates[y] as UpdateToRecord).documentId;
        return a < b ? -1 : a > b ? 1 : x - y;
      });
    for (const i of order) {
      const row = updates[i] as UpdateToRecord;
      const key = `${row.documentId}\u0000${row.actorId ?? ''}`;
      const entry = audit.get(key) ?? {
        documentId: row.documentId,
        actorId: row.actorId,
        updates: 0,
        bytes: 0,
      };
      entry.updates++;
      entry.bytes += row.update.byteLength;
      audit.set(key, entry);
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
