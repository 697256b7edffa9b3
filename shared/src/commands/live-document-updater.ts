import type { CollabBus } from '../collab-bus.js';
import type { Handle } from '../db/repositories/handle.js';
import { FolioError } from '../errors.js';
import { InvalidUpdateError, validateUpdateV1 } from '../yjs/update-validator.js';
import { documentSearchIndexer } from './document-search-indexer.js';
import { documentUpdateRecorder } from './document-update-recorder.js';

/**
 * Applies a Yjs update from outside a WebSocket (REST `POST /v1/documents/:id/updates`,
 * `PUT …/content`, restore) to the live document: it is validated, appended to the
 * update log as the caller's (and audited), and then every collaboration instance that
 * has the document loaded is told to read the log, so connected clients see it within
 * milliseconds. If the notification is lost, instances still pick the row up within
 * their anti-entropy interval; an instance loading the document later reads it from
 * the log. Authorization is the caller's job (`can(actor, 'document.write', …)`).
 */
export async function liveDocumentUpdater(
  db: Handle,
  bus: CollabBus | undefined,
  input: {
    documentId: string;
    update: Uint8Array;
    actorId: string | null;
    /** The agent label of the token that made the change, if any. */
    agent?: string | null;
    maxBytes?: number;
    /** Refresh the search index from Postgres afterwards (default true). */
    index?: boolean;
    /**
     * The bytes are Yjs's own encoding of a change made in this process (REST writes
     * apply the caller's input to a document and store what Yjs emitted): skip the
     * structural validation, which costs about 30 ms per MB on the event loop.
     */
    encodedHere?: boolean;
  },
): Promise<{ seq: number }> {
  if (input.maxBytes !== undefined && input.update.byteLength > input.maxBytes) {
    throw new FolioError('PAYLOAD_TOO_LARGE', `the update exceeds ${input.maxBytes} bytes`);
  }
  try {
    if (!input.encodedHere) validateUpdateV1(input.update);
  } catch (error) {
    if (error instanceof InvalidUpdateError) {
      throw new FolioError('BAD_REQUEST', `not a Yjs V1 update: ${error.message}`, { field: 'body' });
    }
    throw error;
  }
  // Audited in the same transaction: the caller's request returns with its entry.
  const [seq] = await documentUpdateRecorder(
    db,
    [
      {
        documentId: input.documentId,
        update: input.update,
        actorId: input.actorId,
        agent: input.agent ?? null,
        connectionId: null,
      },
    ],
    { auditInline: true },
  );
  if (seq === undefined) throw new FolioError('NOT_FOUND', 'document not found');
  await bus?.publish({ type: 'document-updated', documentId: input.documentId, seq });
  // Searchable at once, whether or not an instance holds the document. A failure here
  // does not undo the (committed) update.
  if (input.index !== false) await documentSearchIndexer(db, input.documentId).catch(() => {});
  return { seq };
}
