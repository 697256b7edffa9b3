import * as Y from 'yjs';
import { appendAuditEvent } from '../db/repositories/audit.js';
import { listDocumentUpdatesUntil } from '../db/repositories/document-updates.js';
import { findSnapshotBefore } from '../db/repositories/document-versions.js';
import type { Handle } from '../db/repositories/handle.js';
import { EMPTY_HORIZON } from './document-state-loader.js';

const PAGE = 2_000;

/**
 * The document as it was at `at`: the latest snapshot taken by then (a version or the
 * compacted state), plus every update-log row committed by then, replayed in order; from
 * an empty document when there is no such snapshot.
 *
 * This needs the update log. Stored snapshots are encoded with Yjs garbage collection,
 * which drops the content of deleted items, so a `Y.snapshot` of the current state
 * cannot show text that has since been deleted; the log rows still carry it.
 */
export async function documentStateAt(
  db: Handle,
  documentId: string,
  at: Date,
): Promise<{ doc: Y.Doc; seq: number; coversXid: string }> {
  const doc = new Y.Doc();
  const base = await findSnapshotBefore(db, documentId, at);
  let seq = 0;
  if (base) {
    Y.applyUpdate(doc, base.snapshot);
    seq = base.seq;
  }
  // The rows the base may lack (xid at or above its horizon): a row that committed after
  // a later-numbered one is still read, whatever seq the base reached.
  const xid = base?.coversXid ?? EMPTY_HORIZON;
  let after: { xid: string; seq: number } | undefined;
  for (;;) {
    const rows = await listDocumentUpdatesUntil(
      db,
      documentId,
      { xid, ...(after ? { after } : {}) },
      at,
      PAGE,
    );
    doc.transact(() => {
      for (const row of rows) Y.applyUpdate(doc, row.update);
    });
    const last = rows.at(-1);
    if (last) {
      after = { xid: last.xid, seq: Number(last.seq) };
      for (const row of rows) seq = Math.max(seq, Number(row.seq));
    }
    if (rows.length < PAGE) break;
  }
  // Every row below the base's horizon is in the base, hence in the result.
  return { doc, seq, coversXid: xid };
}

/**
 * A REST read of the document as it was at a time (the history's preview of an
 * instant), audited as `document.read` like the live content.
 */
export async function documentStateAtReader(
  db: Handle,
  input: { documentId: string; workspaceId: string; at: Date; actorId: string; format: string },
): Promise<{ doc: Y.Doc; seq: number }> {
  const state = await documentStateAt(db, input.documentId, input.at);
  await appendAuditEvent(db, {
    actorId: input.actorId,
    action: 'document.read',
    documentId: input.documentId,
    workspaceId: input.workspaceId,
    details: { format: input.format, at: input.at.toISOString() },
  });
  return { doc: state.doc, seq: state.seq };
}
