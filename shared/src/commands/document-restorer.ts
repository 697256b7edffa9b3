import type * as Y from 'yjs';
import type { CollabBus } from '../collab-bus.js';
import { appendAuditEvent } from '../db/repositories/audit.js';
import { findDocument } from '../db/repositories/documents.js';
import { type Handle, inTransaction } from '../db/repositories/handle.js';
import { recordWebhookEvent } from '../db/repositories/webhooks.js';
import { transferDocumentState } from '../documents/state-transfer.js';
import { FolioError } from '../errors.js';
import {
  type CreatedVersion,
  documentStateAt,
  documentVersionCreator,
  documentVersionLoader,
} from './document-versions.js';
import {
  changeInPlace,
  type DocumentSizeLimit,
  type DocumentWriteResult,
  REST_ORIGIN,
  type WriteAttribution,
  writeDocument,
} from './document-writer.js';

export type RestoreTarget = { versionId: string } | { at: Date };

export interface RestoreResult extends DocumentWriteResult {
  /** The version holding the state just before the restore (undo by restoring it). */
  previousVersionId: string;
}

/**
 * Makes the live document hold the state of a version, or the state it had at a point
 * in time, as a new change: the edits that turn the current state into the target are
 * computed (`transferDocumentState`) and go through the same path as every REST write
 * — stored in the update log attributed to the caller, audited, announced to every
 * collaboration instance so connected clients see it at once, and indexed for search.
 * The state before is kept as a `restore` version first, and the restore is audited as
 * `document.restore`.
 *
 * Edits that arrive between loading the current state and storing the change are not
 * undone: the restore is computed against the state it loaded and merges with them.
 */
export async function documentRestorer(
  db: Handle,
  bus: CollabBus | undefined,
  input: DocumentSizeLimit &
    WriteAttribution & { documentId: string; actorId: string; target: RestoreTarget },
): Promise<RestoreResult> {
  const document = await findDocument(db, input.documentId);
  if (!document) throw new FolioError('NOT_FOUND', 'document not found');
  const target: { doc: Y.Doc; seq: number } =
    'versionId' in input.target
      ? await documentVersionLoader(db, { documentId: input.documentId, versionId: input.target.versionId })
      : await documentStateAt(db, input.documentId, input.target.at);
  try {
    // Kept only once the change is known to be stored: a refused restore leaves no trace.
    const keepPrevious = () =>
      documentVersionCreator(db, {
        documentId: input.documentId,
        actorId: input.actorId,
        label: 'before restore',
        kind: 'restore',
      });
    let previous: CreatedVersion | undefined;
    const beforeStore = async () => {
      previous = await keepPrevious();
    };
    const result = await writeDocument(db, bus, { ...input, beforeStore }, ({ doc }) =>
      changeInPlace(doc, () => transferDocumentState(doc, target.doc, REST_ORIGIN)),
    );
    // Restoring the state the document already has changes nothing, but is still a
    // restore the caller asked for: the version before it is kept all the same.
    previous ??= await keepPrevious();
    const kept = previous;
    // The restore's own change was stored above (and announced as document.updated);
    // its audit entry and its webhook event are committed together.
    await inTransaction(db, async (trx) => {
      await appendAuditEvent(trx, {
        actorId: input.actorId,
        action: 'document.restore',
        documentId: input.documentId,
        workspaceId: document.workspace_id,
        details: {
          ...('versionId' in input.target
            ? { versionId: input.target.versionId }
            : { at: input.target.at.toISOString() }),
          targetSeq: target.seq,
          previousVersionId: kept.id,
          changed: result.changed,
          seq: result.seq,
          bytes: result.bytes,
        },
      });
      const ids = { documentId: input.documentId, workspaceId: document.workspace_id };
      await recordWebhookEvent(trx, {
        type: 'document.restored',
        ...ids,
        data: {
          ...ids,
          actorId: input.actorId,
          ...('versionId' in input.target
            ? { versionId: input.target.versionId }
            : { at: input.target.at.toISOString() }),
          previousVersionId: kept.id,
        },
      });
    });
    return { ...result, previousVersionId: kept.id };
  } finally {
    target.doc.destroy();
  }
}
