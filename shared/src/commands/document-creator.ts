import * as Y from 'yjs';
import { appendAuditEvents } from '../db/repositories/audit.js';
import {
  appendUpdatesOfDocuments,
  insertDocument,
  setDocumentPermission,
  upsertSearchText,
} from '../db/repositories/documents.js';
import { type Handle, inTransaction } from '../db/repositories/handle.js';
import type { DocumentRow } from '../db/schema.js';
import { documentText } from '../documents/content.js';
import { applyContentReplacement, type ContentReplacement } from '../documents/writer.js';
import { newId } from '../ids.js';

export interface DocumentCreation {
  workspaceId: string;
  title: string;
  content?: ContentReplacement | undefined;
  /** The creator, who becomes the document's owner. */
  actorId: string;
}

/**
 * Creates a document owned by its creator (an explicit `owner` permission: the policy
 * never infers ownership from `created_by`), with optional initial content stored as
 * the first update-log row attributed to the creator, and its search row.
 */
export async function documentCreator(db: Handle, input: DocumentCreation): Promise<DocumentRow> {
  let initial: Uint8Array | undefined;
  let body = '';
  if (input.content) {
    const doc = new Y.Doc();
    applyContentReplacement(doc, input.content, 'rest');
    initial = Y.encodeStateAsUpdate(doc);
    body = documentText(doc);
    doc.destroy();
  }
  return inTransaction(db, async (trx) => {
    const document = await insertDocument(trx, {
      id: newId(),
      workspaceId: input.workspaceId,
      title: input.title,
      createdBy: input.actorId,
    });
    await setDocumentPermission(trx, document.id, input.actorId, 'owner', input.actorId);

    if (initial) {
      // Audited below, with the creation.
      await appendUpdatesOfDocuments(
        trx,
        [{ documentId: document.id, update: initial, actorId: input.actorId, connectionId: null }],
        { auditedInline: true },
      );
    }
    await upsertSearchText(trx, {
      documentId: document.id,
      workspaceId: document.workspace_id,
      title: document.title,
      body,
    });
    const common = { actorId: input.actorId, documentId: document.id, workspaceId: document.workspace_id };
    await appendAuditEvents(trx, [
      { ...common, action: 'document.create', details: {} },
      ...(initial
        ? [
            {
              ...common,
              action: 'document.update',
              details: { updates: 1, bytes: initial.byteLength, via: 'rest' },
            },
          ]
        : []),
    ]);
    return document;
  });
}
