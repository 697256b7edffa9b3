import { type AuditEntry, appendAuditEvents } from '../db/repositories/audit.js';
import { appendUpdatesOfDocuments } from '../db/repositories/document-updates.js';
import { touchDocuments } from '../db/repositories/documents.js';
import { type Handle, inTransaction } from '../db/repositories/handle.js';

export interface UpdateToRecord {
  documentId: string;
  /** A validated Yjs V1 update (see validateUpdateV1). */
  update: Uint8Array;
  actorId: string | null;
  /** The agent label of an agent token's write (attributed to the user and the agent). */
  agent?: string | null;
  connectionId: string | null;
}

/**
 * Appends updates of any number of documents to the update log and returns each
 * update's sequence number, in input order, or undefined where the document no longer
 * exists.
 *
 * The collaboration server's path (default): ONE statement, its own transaction, no row
 * lock any other writer waits on, one written tuple per update. The `document.update`
 * audit entries (one per document and actor, with the update count and bytes) are
 * written off this path by the summariser (`documentUpdateAuditor`), which also bumps
 * `documents.updated_at` once per document and pass.
 *
 * `auditInline` (REST writes: a handful of updates by the caller): the rows, their audit
 * entries and the `updated_at` bump commit together, so the caller's request returns
 * with its audit entry in place, in order with its other entries; the rows are marked
 * so the summariser skips them.
 */
export async function documentUpdateRecorder(
  db: Handle,
  updates: readonly UpdateToRecord[],
  options: {
    auditInline?: boolean;
  } = {},
): Promise<(number | undefined)[]> {
  if (updates.length === 0) return [];
  if (!options.auditInline) return appendUpdatesOfDocuments(db, updates);
  return inTransaction(db, async (trx) => {
    const seqs = await appendUpdatesOfDocuments(trx, updates, { auditedInline: true });
    const entries = summarise(updates, seqs);
    await touchDocuments(trx, [...new Set(entries.map((e) => e.documentId as string))]);
    await appendAuditEvents(trx, entries);
    return seqs;
  });
}

/**
 * One `document.update` entry per document, actor and agent, in document id order; an
 * agent token's entry names the agent in its details.
 */
function summarise(updates: readonly UpdateToRecord[], seqs: readonly (number | undefined)[]): AuditEntry[] {
  const entries = new Map<string, AuditEntry & { details: { updates: number; bytes: number } }>();
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
    const key = `${row.documentId}\u0000${row.actorId ?? ''}\u0000${row.agent ?? ''}`;
    const entry = entries.get(key) ?? {
      actorId: row.actorId,
      action: 'document.update',
      documentId: row.documentId,
      details: { updates: 0, bytes: 0, ...(row.agent ? { agent: row.agent } : {}) },
    };
    entry.details.updates++;
    entry.details.bytes += row.update.byteLength;
    entries.set(key, entry);
  }
  return [...entries.values()];
}
