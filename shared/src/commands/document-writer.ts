import type { Transaction } from 'kysely';
import * as Y from 'yjs';
import type { CollabBus } from '../collab-bus.js';
import { DEFAULT_MAX_DOCUMENT_BYTES } from '../config/index.js';
import { findDocument } from '../db/repositories/documents.js';
import { type Handle, inTransaction } from '../db/repositories/handle.js';
import { upsertSearchText } from '../db/repositories/search.js';
import type { Database, DocumentRow } from '../db/schema.js';
import { documentText } from '../documents/content.js';
import { FolioError } from '../errors.js';
import { documentStateLoader, type LoadedDocumentState } from './document-state-loader.js';
import { documentUpdateRecorder } from './document-update-recorder.js';

export interface DocumentWriteResult {
  /** False when the write changed nothing (nothing was stored). */
  changed: boolean;
  /** Update-log position after the write. */
  seq: number;
  bytes: number;
}

/** Transaction origin of REST writes, so observers can tell them from editor edits. */
export const REST_ORIGIN = { source: 'rest' } as const;

/** What a write stores: the update Yjs emitted, and the document it leads to. */
export type PreparedChange = { update: undefined } | { update: Uint8Array; bytes: number; text: string };

/** The limit every REST write honours (`MAX_DOCUMENT_BYTES`); the collaboration server applies the same. */
export interface DocumentSizeLimit {
  /** Largest encoded document a write may leave behind (default: the configuration's default). */
  maxDocumentBytes?: number | undefined;
}

/**
 * The one size check of REST writes (updates, content, restore, creation with content):
 * a write that would leave the document's encoded state larger than the limit is
 * refused with 413 before anything is stored.
 */
export function refuseOversizedDocument(bytes: number, limit: DocumentSizeLimit, field?: string): void {
  const max = limit.maxDocumentBytes ?? DEFAULT_MAX_DOCUMENT_BYTES;
  if (bytes > max) {
    throw new FolioError(
      'PAYLOAD_TOO_LARGE',
      `the document would be ${bytes} bytes; documents may have at most ${max} (MAX_DOCUMENT_BYTES)`,
      field ? { field } : undefined,
    );
  }
}

/**
 * Who a REST write is made for beyond the user: an agent token's label (stored with
 * the update-log row, in the audit details, and shown in the document's awareness
 * while the agent writes, as `user: { id, name, agent }`).
 */
export interface WriteAttribution {
  agent?: { label: string; tokenId: string; userName: string } | undefined;
}

/** Runs `apply` on `doc` and collects what it changed. */
export function changeInPlace(doc: Y.Doc, apply: () => void): PreparedChange {
  const emitted: Uint8Array[] = [];
  const collect = (update: Uint8Array) => emitted.push(update);
  doc.on('update', collect);
  try {
    apply();
  } finally {
    doc.off('update', collect);
  }
  // Our own encoder's output for one or more transactions: safe to merge.
  const update = emitted.length <= 1 ? emitted[0] : Y.mergeUpdates(emitted);
  if (!update) return { update: undefined };
  return { update, bytes: Y.encodeStateAsUpdate(doc).byteLength, text: documentText(doc) };
}

/** What a write sees: the document row and the durable state it was computed against. */
export interface LoadedWrite {
  document: DocumentRow;
  loaded: LoadedDocumentState;
}

/**
 * Steps of a write beyond storing its change, committed in the change's transaction.
 * When nothing changed they still run (in a transaction of their own): a restore to the
 * state the document already has is still a restore.
 */
export interface WriteSteps {
  /** Before the change is recorded (a restore keeps the state before it as a version). */
  beforeRecord?: (trx: Transaction<Database>, write: LoadedWrite) => Promise<void>;
  /** After it is recorded (a restore's own audit entry and webhook event). */
  afterRecord?: (
    trx: Transaction<Database>,
    write: LoadedWrite,
    result: DocumentWriteResult,
  ) => Promise<void>;
}

export interface DocumentWrite extends DocumentSizeLimit, WriteAttribution, WriteSteps {
  documentId: string;
  actorId: string;
  /** Which request field a size refusal names. */
  field?: string | undefined;
}

/**
 * The REST write path, and its only one: updates, content, merges and restores all come
 * through here. Reads the document row and its durable state once; `change` builds the
 * update once (in place, or in a worker thread from the encoded state) — the one Yjs
 * emitted, never the caller's bytes, so it is not validated again; a change that would
 * make the document outgrow `maxDocumentBytes` is refused. Then, in one transaction, the
 * update-log row attributed to the actor and its `document.update` audit entry (with
 * the caller's `steps`). After the commit the change is announced once to every
 * instance holding the document (connected clients see it within milliseconds; an
 * instance that misses the announcement reads the row within its anti-entropy interval)
 * and the search row is written once, from the row and the text at hand. Nothing is
 * stored when nothing changed or the write is refused. Authorization is the caller's job.
 */
export async function documentWriter(
  db: Handle,
  input: DocumentWrite,
  change: (loaded: LoadedDocumentState) => PreparedChange | Promise<PreparedChange>,
  bus?: CollabBus,
): Promise<DocumentWriteResult> {
  const document = await findDocument(db, input.documentId);
  if (!document) throw new FolioError('NOT_FOUND', 'document not found');
  const loaded = await documentStateLoader(db, input.documentId);
  const write: LoadedWrite = { document, loaded };
  try {
    const prepared = await change(loaded);
    if (!prepared.update) {
      const unchanged = { changed: false, seq: loaded.seq, bytes: 0 };
      if (input.beforeRecord || input.afterRecord) {
        await inTransaction(db, async (trx) => {
          await input.beforeRecord?.(trx, write);
          await input.afterRecord?.(trx, write, unchanged);
        });
      }
      return unchanged;
    }
    refuseOversizedDocument(prepared.bytes, input, input.field);
    const update = prepared.update;
    const result = await inTransaction(db, async (trx) => {
      await input.beforeRecord?.(trx, write);
      const [seq] = await documentUpdateRecorder(
        trx,
        [
          {
            documentId: input.documentId,
            update,
            actorId: input.actorId,
            agent: input.agent?.label ?? null,
            connectionId: null,
          },
        ],
        { auditInline: true },
      ).catch((error) => {
        // Deleted between the load and the write (the foreign key's check).
        if ((error as { code?: string }).code === '23503') return [undefined];
        throw error;
      });
      if (seq === undefined) throw new FolioError('NOT_FOUND', 'document not found');
      const stored = { changed: true, seq, bytes: update.byteLength };
      await input.afterRecord?.(trx, write, stored);
      return stored;
    });
    await bus?.publish({ type: 'document-updated', documentId: input.documentId, seq: result.seq });
    // Searchable at once, whether or not an instance holds the document; the same text
    // the collaboration server indexes.
    await upsertSearchText(db, {
      documentId: document.id,
      workspaceId: document.workspace_id,
      title: document.title,
      body: prepared.text,
    });
    if (input.agent) {
      await bus?.publish({
        type: 'agent-presence',
        documentId: input.documentId,
        userId: input.actorId,
        name: input.agent.userName,
        agent: input.agent.label,
        key: input.agent.tokenId,
      });
    }
    return result;
  } finally {
    loaded.doc.destroy();
  }
}
