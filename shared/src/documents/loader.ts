import * as Y from 'yjs';
import { findDocumentState, listDocumentUpdatesAfter } from '../db/repositories/documents.js';
import type { Handle } from '../db/repositories/handle.js';

export interface LoadedDocument {
  doc: Y.Doc;
  /** The update-log position the loaded state covers. */
  seq: number;
}

/**
 * A document's durable state: the latest merged snapshot plus every update-log row
 * after it, applied to a fresh Y.Doc (never `Y.mergeUpdates`, which is quadratic on
 * long logs). Everything in the log was validated or produced by our own encoder.
 */
export async function loadDocument(db: Handle, documentId: string): Promise<LoadedDocument> {
  const doc = new Y.Doc({ gc: true });
  const state = await findDocumentState(db, documentId);
  let seq = state?.seq ?? 0;
  const rows = await listDocumentUpdatesAfter(db, documentId, seq);
  doc.transact(() => {
    if (state) Y.applyUpdate(doc, state.snapshot);
    for (const row of rows) {
      Y.applyUpdate(doc, row.update);
      seq = row.seq;
    }
  });
  return { doc, seq };
}
