import * as Y from 'yjs';
import type { CollabBus } from '../collab-bus.js';
import { appendAuditEvent } from '../db/repositories/audit.js';
import type { Handle } from '../db/repositories/handle.js';
import { recordWebhookEvent } from '../db/repositories/webhooks.js';
import { transferDocumentState } from '../documents/state-transfer.js';
import { documentStateAt } from './document-state-at.js';
import { type CreatedVersion, keepDocumentVersion } from './document-version-creator.js';
import { documentVersionLoader } from './document-version-reader.js';
import {
  changeInPlace,
  type DocumentSizeLimit,
  type DocumentWriteResult,
  documentWriter,
  REST_ORIGIN,
  type WriteAttribution,
} from './document-writer.js';

export type RestoreTarget = { versionId: string } | { at: Date };

export interface RestoreResult extends DocumentWriteResult {
  /** The version holding the state just before the restore (undo by restoring it). */
  previousVersionId: string;
}

/**
 * Makes the live document hold the state of a version, or the state it had at a point
 * in time, as a new change: the edits that turn the current state into the target are
 * computed (`transferDocumentState`) and go through `documentWriter` like every REST
 * write — stored in the update log attributed to the caller, audited, announced to
 * every collaboration instance so connected clients see it at once, and indexed for
 * search. In the same transaction the state it started from is kept as a `restore`
 * version (undo: restore that) and the restore is audited as `document.restore`, with
 * its webhook event; so a refused or failed restore leaves no trace.
 *
 * Edits that arrive between loading the current state and storing the change are not
 * undone: the restore is computed against the state it loaded and merges with them.
 */
export async function documentRestorer(
  db: Handle,
  input: DocumentSizeLimit &
    WriteAttribution & { documentId: string; actorId: string; target: RestoreTarget },
  bus?: CollabBus,
): Promise<RestoreResult> {
  const target: { doc: Y.Doc; seq: number } =
    'versionId' in input.target
      ? await documentVersionLoader(db, { documentId: input.documentId, versionId: input.target.versionId })
      : await documentStateAt(db, input.documentId, input.target.at);
  const named =
    'versionId' in input.target
      ? { versionId: input.target.versionId }
      : { at: input.target.at.toISOString() };
  let before: Uint8Array | undefined;
  let previous: CreatedVersion | undefined;
  try {
    const result = await documentWriter(
      db,
      {
        ...input,
        // Restoring the state the document already has changes nothing, but is still a
        // restore the caller asked for: the version before it is kept all the same.
        beforeRecord: async (trx, { document, loaded }) => {
          previous = await keepDocumentVersion(trx, {
            documentId: input.documentId,
            workspaceId: document.workspace_id,
            actorId: input.actorId,
            label: 'before restore',
            kind: 'restore',
            snapshot: before ?? Y.encodeStateAsUpdate(loaded.doc),
            seq: loaded.seq,
            coversXid: loaded.horizon,
          });
        },
        afterRecord: async (trx, { document }, stored) => {
          const kept = previous as CreatedVersion;
          await appendAuditEvent(trx, {
            actorId: input.actorId,
            action: 'document.restore',
            documentId: input.documentId,
            workspaceId: document.workspace_id,
            details: {
              ...named,
              targetSeq: target.seq,
              previousVersionId: kept.id,
              changed: stored.changed,
              seq: stored.seq,
              bytes: stored.bytes,
            },
          });
          const ids = { documentId: input.documentId, workspaceId: document.workspace_id };
          await recordWebhookEvent(trx, {
            type: 'document.restored',
            ...ids,
            data: { ...ids, actorId: input.actorId, ...named, previousVersionId: kept.id },
          });
        },
      },
      ({ doc }) => {
        // The state before the change, as loaded: what the `restore` version keeps.
        before = Y.encodeStateAsUpdate(doc);
        return changeInPlace(doc, () => transferDocumentState(doc, target.doc, REST_ORIGIN));
      },
      bus,
    );
    return { ...result, previousVersionId: (previous as CreatedVersion).id };
  } finally {
    target.doc.destroy();
  }
}
