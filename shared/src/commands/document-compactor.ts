import * as Y from 'yjs';
import { saveDocumentState } from '../db/repositories/document-states.js';
import type { Handle } from '../db/repositories/handle.js';
import { documentStateLoader, type LoadedDocumentState } from './document-state-loader.js';

/**
 * Compaction: merges the snapshot and the log rows after it *through a Y.Doc* (merging
 * raw updates with Y.mergeUpdates is quadratic) and stores the result as the new
 * snapshot. It works from Postgres alone, so a row committed by another instance but not
 * yet received anywhere can never be skipped. (The collaboration server compacts from
 * memory instead when its copy holds exactly committed rows; see PersistenceExtension.)
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
    const saved = await storeCompactedState(db, documentId, loaded, snapshot);
    return saved ? { horizon: loaded.horizon, seq: loaded.seq, bytes: snapshot.byteLength } : undefined;
  } finally {
    loaded.doc.destroy();
  }
}

/**
 * Stores `snapshot` (the encoding of `loaded`) as the document's compacted state. False
 * when the document was deleted meanwhile, or a state covering more is stored already.
 */
export async function storeCompactedState(
  db: Handle,
  documentId: string,
  loaded: Pick<LoadedDocumentState, 'horizon' | 'seq'>,
  snapshot: Uint8Array,
): Promise<boolean> {
  return saveDocumentState(db, documentId, snapshot, { coversXid: loaded.horizon, seq: loaded.seq }).catch(
    (error) => {
      // The document was deleted meanwhile: nothing to keep.
      if ((error as { code?: string }).code === '23503') return false;
      throw error;
    },
  );
}
