import { appendAuditEvents } from '../db/repositories/audit.js';
import { setDocumentPermission } from '../db/repositories/document-permissions.js';
import { appendUpdatesOfDocuments } from '../db/repositories/document-updates.js';
import { insertDocument } from '../db/repositories/documents.js';
import { type Handle, inTransaction } from '../db/repositories/handle.js';
import { upsertSearchText } from '../db/repositories/search.js';
import { recordWebhookEvent } from '../db/repositories/webhooks.js';
import type { DocumentRow } from '../db/schema.js';
import type { ContentConverter } from '../documents/content-converter.js';
import type { ContentReplacement } from '../documents/writer.js';
import { newId } from '../ids.js';
import { contentChange, refuseContentBeyondLimits } from './document-content-replacer.js';
import { type DocumentSizeLimit, refuseOversizedDocument } from './document-writer.js';

export interface DocumentCreation extends DocumentSizeLimit {
  workspaceId: string;
  title: string;
  content?: ContentReplacement | undefined;
  /** The creator, who becomes the document's owner. */
  actorId: string;
  /** Parses `content` (large bodies in a worker thread); without one, on the calling thread. */
  converter?: ContentConverter | undefined;
  /** The agent label, when an agent token creates the document. */
  agent?: string | undefined;
}

/** The encoded state of an empty document. */
const EMPTY_STATE = Uint8Array.of(0, 0);

/**
 * Creates a document owned by its creator (an explicit `owner` permission: the policy
 * never infers ownership from `created_by`), with optional initial content stored as
 * the first update-log row attributed to the creator, and its search row. Content that
 * would make a document larger than `maxDocumentBytes` is refused (413) and nothing is
 * created.
 */
export async function documentCreator(db: Handle, input: DocumentCreation): Promise<DocumentRow> {
  let initial: Uint8Array | undefined;
  let body = '';
  if (input.content) {
    // Converted, and refused when too large, before anything is stored.
    refuseContentBeyondLimits(input.content, 'content.');
    const change = await contentChange(input.converter, EMPTY_STATE, input.content, 'content.');
    if (change.update) {
      refuseOversizedDocument(change.bytes, input, 'content');
      initial = change.update;
      body = change.text;
    }
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
        [
          {
            documentId: document.id,
            update: initial,
            actorId: input.actorId,
            agent: input.agent ?? null,
            connectionId: null,
          },
        ],
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
              details: {
                updates: 1,
                bytes: initial.byteLength,
                via: 'rest',
                ...(input.agent ? { agent: input.agent } : {}),
              },
            },
          ]
        : []),
    ]);
    await recordWebhookEvent(trx, {
      type: 'document.created',
      workspaceId: document.workspace_id,
      documentId: document.id,
      data: { documentId: document.id, workspaceId: document.workspace_id, actorId: input.actorId },
    });
    return document;
  });
}
