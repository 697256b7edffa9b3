import * as Y from 'yjs';
import { saveDocumentState } from '../db/repositories/document-states.js';
import type { Handle } from '../db/repositories/handle.js';
import { documentStateLoader } from './document-state-loader.js';

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
): Promise<{ horizon: string; seq: number; bytes: number } | undefined> {
  const loaded = await documentStateLoader(db, documentId);
  try {
    if (loaded.rowsAfterSnapshot < Math.max(1, options.minRows ?? 1)) return undefined;
    const snapshot = Y.encodeStateAsUpdate(loaded.doc);
    const saved = await saveDocumentState(db, documentId, snapshot, {
      coversXid: loaded.horizon,
      seq: loaded.seq,
    }).catch((error) => {
      // The document was deleted meanwhile: nothing to keep.
      if ((error as { code?: string }).code === '23503') return false;
      throw error;
    });
    return saved ? { horizon: loaded.horizon, seq: loaded.seq, bytes: snapshot.byteLength } : undefined;
  } finally {
    loaded.doc.destroy();
  }
}
