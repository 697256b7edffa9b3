import * as Y from 'yjs';
import type { CollabBus } from '../collab-bus.js';
import type { Handle } from '../db/repositories/handle.js';
import { FolioError } from '../errors.js';
import { validateSubmittedUpdate } from '../yjs/update-validator.js';
import {
  changeInPlace,
  type DocumentSizeLimit,
  type DocumentWriteResult,
  documentWriter,
  REST_ORIGIN,
  type WriteAttribution,
} from './document-writer.js';

/**
 * `POST /v1/documents/:id/updates`: an untrusted binary Yjs update, validated
 * structurally before Yjs sees it (V1 only). An update that depends on state the
 * document does not have is refused rather than stored pending. What is stored is what
 * applying it changed (nothing, when the document already had it).
 */
export async function documentUpdateApplier(
  db: Handle,
  input: DocumentSizeLimit & WriteAttribution & { documentId: string; actorId: string; update: Uint8Array },
  bus?: CollabBus,
): Promise<DocumentWriteResult> {
  validateSubmittedUpdate(input.update, 'body');
  return documentWriter(
    db,
    { ...input, field: 'body' },
    ({ doc }) =>
      changeInPlace(doc, () => {
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
      }),
    bus,
  );
}
