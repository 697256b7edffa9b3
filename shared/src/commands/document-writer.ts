import * as Y from 'yjs';
import type { CollabBus } from '../collab-bus.js';
import { appendAuditEvent } from '../db/repositories/audit.js';
import { findDocument, upsertSearchText } from '../db/repositories/documents.js';
import type { Handle } from '../db/repositories/handle.js';
import { documentText } from '../documents/content.js';
import { applyContentReplacement, type ContentReplacement, ContentTargetError } from '../documents/writer.js';
import { FolioError } from '../errors.js';
import { InvalidUpdateError, validateUpdateV1 } from '../yjs/update-validator.js';
import { documentStateLoader, type LoadedDocumentState } from './document-state.js';
import { liveDocumentUpdater } from './live-document-updater.js';

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
 * the update Yjs itself emits for that transaction, never the caller's bytes — through
 * `liveDocumentUpdater`, the same path the collaboration server follows: one update-log
 * row attributed to the actor, audited, and announced to every instance holding the
 * document so connected clients see it. Nothing is stored when nothing changed. The
 * search row is refreshed from the resulting text.
 */
async function writeDocument(
  db: Handle,
  bus: CollabBus | undefined,
  input: { documentId: string; actorId: string },
  change: (loaded: LoadedDocumentState) => void,
): Promise<DocumentWriteResult> {
  const document = await findDocument(db, input.documentId);
  if (!document) throw new FolioError('NOT_FOUND', 'document not found');
  const loaded = await documentStateLoader(db, input.documentId);
  const emitted: Uint8Array[] = [];
  loaded.doc.on('update', (update: Uint8Array) => emitted.push(update));
  try {
    change(loaded);
    // Our own encoder's output for one or more transactions: safe to merge.
    const update = emitted.length <= 1 ? emitted[0] : Y.mergeUpdates(emitted);
    if (!update) return { changed: false, seq: loaded.seq, bytes: 0 };
    const { seq } = await liveDocumentUpdater(db, bus, {
      documentId: input.documentId,
      update,
      actorId: input.actorId,
    });
    await upsertSearchText(db, {
      documentId: document.id,
      workspaceId: document.workspace_id,
      title: document.title,
      // The same text the collaboration server indexes.
      body: documentText(loaded.doc),
    });
    return { changed: true, seq, bytes: update.byteLength };
  } finally {
    loaded.doc.destroy();
  }
}

/**
 * `POST /v1/documents/:id/updates`: an untrusted binary Yjs update, validated
 * structurally before Yjs sees it (V1 only). An update that depends on state the
 * document does not have is refused rather than stored pending.
 */
export async function documentUpdateApplier(
  db: Handle,
  bus: CollabBus | undefined,
  input: { documentId: string; actorId: string; update: Uint8Array },
): Promise<DocumentWriteResult> {
  try {
    validateUpdateV1(input.update);
  } catch (error) {
    if (error instanceof InvalidUpdateError) {
      throw new FolioError('BAD_REQUEST', `not a valid Yjs V1 update: ${error.message}`, { field: 'body' });
    }
    throw error;
  }
  return writeDocument(db, bus, input, ({ doc }) => {
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
  });
}

/** `PUT /v1/documents/:id/content {text|markdown}`: replaces the text as a new change. */
export function documentContentReplacer(
  db: Handle,
  bus: CollabBus | undefined,
  input: { documentId: string; actorId: string; replacement: ContentReplacement },
): Promise<DocumentWriteResult> {
  return writeDocument(db, bus, input, ({ doc }) => {
    try {
      applyContentReplacement(doc, input.replacement, REST_ORIGIN);
    } catch (error) {
      if (error instanceof ContentTargetError) {
        throw new FolioError('BAD_REQUEST', error.message, { field: 'field' });
      }
      throw error;
    }
  });
}

/** A REST read of the content: the durable state (what was acknowledged), audited as `document.read`. */
export async function documentContentReader(
  db: Handle,
  input: { documentId: string; workspaceId: string; actorId: string; format: string },
): Promise<LoadedDocumentState> {
  const loaded = await documentStateLoader(db, input.documentId);
  await appendAuditEvent(db, {
    actorId: input.actorId,
    action: 'document.read',
    documentId: input.documentId,
    workspaceId: input.workspaceId,
    details: { format: input.format },
  });
  return loaded;
}
