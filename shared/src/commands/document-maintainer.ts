import * as Y from 'yjs';
import {
  deleteAutoVersions,
  findLatestVersionSnapshot,
  insertDocumentVersion,
  listAutoVersions,
} from '../db/repositories/document-versions.js';
import { findDocument } from '../db/repositories/documents.js';
import type { Handle } from '../db/repositories/handle.js';
import { newId } from '../ids.js';
import { storeCompactedState } from './document-compactor.js';
import { documentStateLoader } from './document-state-loader.js';
import { autoVersionsToPrune, type VersionPolicy } from './version-retention.js';

export interface MaintenanceOutcome {
  /** A fresh compacted snapshot was stored (log rows were waiting past the last one). */
  compacted: boolean;
  /** The automatic version made, if the document changed since its newest version. */
  versionId: string | null;
  /** Automatic versions the retention policy dropped. */
  pruned: number;
}

/**
 * One document's upkeep, run by the worker some minutes after it was edited (the
 * `document-maintenance` job, one waiting per document): from one load of the stored
 * state it
 *
 * - compacts — the collaboration node compacts documents it holds, but one edited only
 *   through REST while loaded nowhere, or whose instance died, would otherwise replay a
 *   growing log on every load;
 * - makes an automatic version when the state differs from the newest version (Yjs
 *   snapshots compare inserts and deletions alike), unattributed and not audited: no
 *   one asked for it;
 * - thins automatic versions by the retention policy.
 *
 * Idempotent: run twice, the second finds nothing to compact, nothing changed, nothing
 * to prune. Undefined when the document is gone.
 */
export async function documentMaintainer(
  db: Handle,
  documentId: string,
  policy: VersionPolicy,
  now: Date = new Date(),
): Promise<MaintenanceOutcome | undefined> {
  if (!(await findDocument(db, documentId))) return undefined;
  const loaded = await documentStateLoader(db, documentId);
  try {
    const snapshot = Y.encodeStateAsUpdate(loaded.doc);
    const compacted =
      loaded.rowsAfterSnapshot > 0 && (await storeCompactedState(db, documentId, loaded, snapshot));
    let versionId: string | null = null;
    if (policy.autoEveryMs > 0 && (await changedSinceLatestVersion(db, documentId, loaded.doc))) {
      versionId = newId();
      const inserted = await insertDocumentVersion(db, {
        id: versionId,
        documentId,
        label: null,
        kind: 'auto',
        snapshot,
        seq: loaded.seq,
        coversXid: loaded.horizon,
        createdBy: null,
      }).catch((error) => {
        // Deleted meanwhile.
        if ((error as { code?: string }).code === '23503') return undefined;
        throw error;
      });
      if (!inserted) return undefined;
    }
    const prune = autoVersionsToPrune(await listAutoVersions(db, documentId), now, policy);
    const pruned = await deleteAutoVersions(db, documentId, prune);
    return { compacted, versionId, pruned };
  } finally {
    loaded.doc.destroy();
  }
}

async function changedSinceLatestVersion(db: Handle, documentId: string, doc: Y.Doc): Promise<boolean> {
  const latest = await findLatestVersionSnapshot(db, documentId);
  if (!latest) return Y.encodeStateVector(doc).byteLength > 1;
  const then = new Y.Doc();
  try {
    Y.applyUpdate(then, latest.snapshot);
    return !Y.equalSnapshots(Y.snapshot(then), Y.snapshot(doc));
  } finally {
    then.destroy();
  }
}
