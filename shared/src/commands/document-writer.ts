import * as Y from 'yjs';
import { appendAuditEvent, appendAuditEvents } from '../db/repositories/audit.js';
import { appendDocumentUpdates, findDocument, upsertSearchText } from '../db/repositories/documents.js';
import { type Handle, inTransaction } from '../db/repositories/handle.js';
import { type DocumentEventBus, INLINE_UPDATE_BYTES } from '../document-events.js';
import { documentText } from '../documents/content.js';
import { type LoadedDocument, loadDocument } from '../documents/loader.js';
import { InvalidUpdateError, validateUpdate } from '../documents/update-validator.js';
import { applyContentReplacement, type ContentReplacement, ContentTargetError } from '../documents/writer.js';
import { FolioError } from '../errors.js';

export interface DocumentWriteResult {
  /** False when the write changed nothing (nothing was stored). */
  changed: boolean;
  /** Update-log position after the write. */
  seq: number;
  bytes: number;
}

/** Transaction origin of REST writes, so observers can tell them from editor edits. */
export const REST_ORIGIN = { source: 'rest' } as const;

/**
 * Applies `change` to the document's durable state and stores exactly what changed —
 * the update Yjs itself emits for that one transaction, never the caller's bytes — as
 * one update-log row attributed to the actor, then tells live collaboration instances
 * (after commit, so they find the row). Nothing is stored when nothing changed.
 */
async function writeDocument(
  db: Handle,
  input: { documentId: string; actorId: string; via: string },
  change: (loaded: LoadedDocument) => void,
  events?: DocumentEventBus,
): Promise<DocumentWriteResult> {
  const document = await findDocument(db, input.documentId);
  if (!document) throw new FolioError('NOT_FOUND', 'document not found');
  const loaded = await loadDocument(db, input.documentId);
  const emitted: Uint8Array[] = [];
  loaded.doc.on('update', (update: Uint8Array) => emitted.push(update));
  try {
    change(loaded);
    const update =
      emitted.length === 1 ? emitted[0] : emitted.length > 1 ? Y.mergeUpdates(emitted) : undefined;
    if (!update) return { changed: false, seq: loaded.seq, bytes: 0 };
    const body = documentText(loaded.doc);
    const seq = await inTransaction(db, async (trx) => {
      const last = await appendDocumentUpdates(trx, input.documentId, [
        { update, actorId: input.actorId, connectionId: null },
      ]);
      if (last === undefined) throw new FolioError('NOT_FOUND', 'document not found');
      await upsertSearchText(trx, {
        documentId: document.id,
        workspaceId: document.workspace_id,
        title: document.title,
        body,
      });
      await appendAuditEvents(trx, [
        {
          actorId: input.actorId,
          action: 'document.update',
          documentId: document.id,
          workspaceId: document.workspace_id,
          details: { updates: 1, bytes: update.byteLength, via: input.via },
        },
      ]);
      return last;
    });
    await events?.publish({
      type: 'updated',
      documentId: document.id,
      seq,
      actorId: input.actorId,
      ...(update.byteLength <= INLINE_UPDATE_BYTES ? { update: Buffer.from(update).toString('base64') } : {}),
    });
    return { changed: true, seq, bytes: update.byteLength };
  } finally {
    loaded.doc.destroy();
  }
}

/**
 * `POST /v1/documents/:id/updates`: an untrusted binary Yjs update. Validated
 * structurally before Yjs sees it (V1 only; see update-validator.ts); an update that
 * depends on state the document does not have is refused rather than stored pending.
 */
export function documentUpdateApplier(
  db: Handle,
  input: { documentId: string; actorId: string; update: Uint8Array },
  events?: DocumentEventBus,
): Promise<DocumentWriteResult> {
  try {
    validateUpdate(input.update);
  } catch (error) {
    if (error instanceof InvalidUpdateError) {
      throw new FolioError('BAD_REQUEST', `not a valid Yjs update: ${error.message}`, { field: 'body' });
    }
    throw error;
  }
  return writeDocument(
    db,
    { ...input, via: 'rest-update' },
    ({ doc }) => {
      try {
        Y.applyUpdate(doc, input.update, REST_ORIGIN);
      } catch (error) {
        throw new FolioError('BAD_REQUEST', 'not a valid Yjs update', { field: 'body', cause: error });
      }
      if (doc.store.pendingStructs !== null || doc.store.pendingDs !== null) {
        throw new FolioError('BAD_REQUEST', 'the update depends on changes the document does not have', {
          field: 'body',
        });
      }
    },
    events,
  );
}

/** `PUT /v1/documents/:id/content {text|markdown}`: replaces the text as a new change. */
export function documentContentReplacer(
  db: Handle,
  input: { documentId: string; actorId: string; replacement: ContentReplacement },
  events?: DocumentEventBus,
): Promise<DocumentWriteResult> {
  return writeDocument(
    db,
    { ...input, via: 'text' in input.replacement ? 'rest-text' : 'rest-markdown' },
    ({ doc }) => {
      try {
        applyContentReplacement(doc, input.replacement, REST_ORIGIN);
      } catch (error) {
        if (error instanceof ContentTargetError) {
          throw new FolioError('BAD_REQUEST', error.message, { field: 'field' });
        }
        throw error;
      }
    },
    events,
  );
}

/** A REST read of the content: the durable state, audited as `document.read`. */
export async function documentContentReader(
  db: Handle,
  input: { documentId: string; workspaceId: string; actorId: string; format: string },
): Promise<LoadedDocument> {
  const loaded = await loadDocument(db, input.documentId);
  await appendAuditEvent(db, {
    actorId: input.actorId,
    action: 'document.read',
    documentId: input.documentId,
    workspaceId: input.workspaceId,
    details: { format: input.format },
  });
  return loaded;
}
