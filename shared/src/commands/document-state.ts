import * as Y from 'yjs';
import {
  findDocumentState,
  listDocumentUpdatesAfter,
  saveDocumentState,
} from '../db/repositories/documents.js';
import type { Handle } from '../db/repositories/handle.js';

export interface LoadedDocumentState {
  doc: Y.Doc;
  /** The update-log position the state covers: every row with seq <= this is in `doc`. */
  seq: number;
  /** Log rows applied on top of the snapshot; compaction is worth it when this grows. */
  rowsAfterSnapshot: number;
}

/** Rows read per round trip, so a long tail never sits in memory all at once. */
const PAGE = 2_000;

/**
 * A document's current state: the latest snapshot plus every update-log row after it.
 * Rows of one document become visible in sequence order (the seq is reserved under the
 * document's row lock, see the migration), so the result is a consistent prefix of the
 * log. Rows were validated before they were written, so Yjs may decode them.
 */
export async function documentStateLoader(db: Handle, documentId: string): Promise<LoadedDocumentState> {
  const doc = new Y.Doc();
  const state = await findDocumentState(db, documentId);
  let seq = 0;
  if (state) {
    Y.applyUpdate(doc, state.snapshot);
    seq = Number(state.seq);
  }
  let rowsAfterSnapshot = 0;
  for (;;) {
    const rows = await listDocumentUpdatesAfter(db, documentId, seq, PAGE);
    // One transaction per page: observers and the state vector are computed once.
    doc.transact(() => {
      for (const row of rows) Y.applyUpdate(doc, row.update);
    });
    rowsAfterSnapshot += rows.length;
    const last = rows.at(-1);
    if (last) seq = Number(last.seq);
    if (rows.length < PAGE) break;
  }
  return { doc, seq, rowsAfterSnapshot };
}

/**
 * Compaction: merges the snapshot and the log rows after it *through a Y.Doc* (merging
 * raw updates with Y.mergeUpdates is quadratic) and stores the result as the new
 * snapshot. It works from Postgres alone, never from an instance's memory, so a row
 * committed by another instance but not yet received here can never be skipped.
 * Concurrent compactions are harmless: saveDocumentState never moves backwards. The log
 * rows stay: they are the attributed history.
 */
export async function documentCompactor(
  db: Handle,
  documentId: string,
  options: { minRows?: number } = {},
): Promise<{ seq: number; bytes: number } | undefined> {
  const loaded = await documentStateLoader(db, documentId);
  try {
    if (loaded.rowsAfterSnapshot < Math.max(1, options.minRows ?? 1)) return undefined;
    const snapshot = Y.encodeStateAsUpdate(loaded.doc);
    const saved = await saveDocumentState(db, documentId, snapshot, loaded.seq).catch((error) => {
      // The document was deleted meanwhile: nothing to keep.
      if ((error as { code?: string }).code === '23503') return false;
      throw error;
    });
    return saved ? { seq: loaded.seq, bytes: snapshot.byteLength } : undefined;
  } finally {
    loaded.doc.destroy();
  }
}
