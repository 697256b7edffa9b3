import { type AuditEntry, appendAuditEvents } from '../db/repositories/audit.js';
import {
  findUpdateAuditCursor,
  listUnauditedUpdates,
  lockUpdateAuditPass,
  saveUpdateAuditCursor,
} from '../db/repositories/document-update-audit.js';
import { touchDocuments } from '../db/repositories/documents.js';
import type { Handle } from '../db/repositories/handle.js';
import { inTransaction } from '../db/repositories/handle.js';
import { recordDocumentChanges } from '../db/repositories/webhooks.js';

export interface UpdateAuditPass {
  /** `document.update` entries written. */
  entries: number;
  /** Log rows they cover. */
  updates: number;
  /** Documents with newly audited rows (their `updated_at` was bumped): index these. */
  documents: string[];
}

/** Audit entries appended per statement (each carries 8 parameters). */
const ENTRIES_PER_APPEND = 1_000;

/**
 * The `document.update` summariser: one pass writes, for every log row committed since
 * the previous pass and not audited by its writer, one hash-chained audit entry per
 * document and actor (`{ updates, bytes, fromSeq, toSeq }`, attributed to the actor),
 * bumps each such document's `updated_at` once, and moves the cursor — all in one
 * transaction, so a pass that fails leaves nothing half-done and the next one redoes it.
 *
 * One pass at a time cluster-wide (a transaction-scoped advisory lock: a holder that
 * dies releases it with its connection). The instance that ran the last pass keeps the
 * job while its lease runs (`leaseMs`), so one instance does the passes (and indexes
 * what they report) rather than whichever wins each race; when it stops renewing, any
 * other takes over. Returns undefined when this call did not run a pass.
 *
 * Exactly once: the cursor is the snapshot of the previous pass, and a pass audits the
 * rows its own snapshot sees that the previous one did not (see listUnauditedUpdates).
 */
export async function documentUpdateAuditor(
  db: Handle,
  options: {
    /** This instance's id (the lease holder). */
    holder: string;
    leaseMs?: number;
    /**
     * Wait for a running pass and run one even while another holder's lease runs
     * (without taking that lease): tests, shutdown, deleting a document.
     */
    force?: boolean;
    /**
     * Called in the pass's transaction with the documents it covered (the job queue's
     * `documents-changed` jobs): a throw rolls the pass back, to be redone.
     */
    announce?: ((trx: Handle, documentIds: string[]) => Promise<void>) | undefined;
  },
): Promise<UpdateAuditPass | undefined> {
  const leaseMs = options.leaseMs ?? 5_000;
  return inTransaction(db, async (trx) => {
    if (!(await lockUpdateAuditPass(trx, options.force === true))) return undefined;
    const cursor = await findUpdateAuditCursor(trx, options.holder);
    if (cursor.heldByOther && !options.force) return undefined;
    const found = await listUnauditedUpdates(trx, cursor.snapshot);
    const entries: AuditEntry[] = found.groups.map((g) => ({
      actorId: g.actorId,
      action: 'document.update',
      documentId: g.documentId,
      details: {
        updates: g.updates,
        bytes: g.bytes,
        fromSeq: g.fromSeq,
        toSeq: g.toSeq,
        ...(g.agent ? { agent: g.agent } : {}),
      },
    }));
    await touchDocuments(trx, found.documents);
    // Every document with a new row — also those audited inline by their writer (REST
    // writes), which `documents` leaves out: they need the catch-up and upkeep as much.
    const changed = found.changes.map((c) => c.documentId);
    if (changed.length > 0) await options.announce?.(trx, changed);
    // document.updated webhooks, debounced by the worker: in this transaction, so every
    // stored edit is announced exactly once.
    await recordDocumentChanges(trx, found.changes);
    for (let start = 0; start < entries.length; start += ENTRIES_PER_APPEND) {
      await appendAuditEvents(trx, entries.slice(start, start + ENTRIES_PER_APPEND));
    }
    await saveUpdateAuditCursor(trx, {
      snapshot: found.snapshot,
      holder: options.holder,
      ...(cursor.heldByOther ? {} : { leaseMs }),
    });
    return {
      entries: entries.length,
      updates: found.groups.reduce((sum, g) => sum + g.updates, 0),
      documents: found.documents,
    };
  });
}
