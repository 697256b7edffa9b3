import * as Y from 'yjs';
import type { CollabBus } from '../collab-bus.js';
import { DEFAULT_MAX_DOCUMENT_BYTES } from '../config/index.js';
import { appendAuditEvent } from '../db/repositories/audit.js';
import { findDocument } from '../db/repositories/documents.js';
import type { Handle } from '../db/repositories/handle.js';
import { upsertSearchText } from '../db/repositories/search.js';
import { documentText } from '../documents/content.js';
import {
  type ContentConverter,
  ContentRefusedError,
  createContentConverter,
} from '../documents/content-converter.js';
import { checkMarkdownLines, MarkdownLimitError } from '../documents/markdown-limits.js';
import type { ContentReplacement } from '../documents/writer.js';
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

/**
 * The REST write path. Loads the document's durable state, lets `change` compute the
 * update (in place, or in a worker thread from the encoded state), refuses it when the
 * document would outgrow `maxDocumentBytes`, runs `beforeStore` (restore keeps the state
 * before it), and stores exactly that update — the one Yjs emitted, never the caller's
 * bytes — through `liveDocumentUpdater`, the same path the collaboration server
 * follows: one update-log row attributed to the actor, audited, and announced to every
 * instance holding the document so connected clients see it. Nothing is stored when
 * nothing changed or the write is refused. The search row is refreshed from the
 * resulting text.
 */
export async function writeDocument(
  db: Handle,
  bus: CollabBus | undefined,
  input: DocumentSizeLimit &
    WriteAttribution & {
      documentId: string;
      actorId: string;
      /** Which request field a size refusal names. */
      field?: string;
      beforeStore?: () => Promise<void>;
    },
  change: (loaded: LoadedDocumentState) => PreparedChange | Promise<PreparedChange>,
): Promise<DocumentWriteResult> {
  const document = await findDocument(db, input.documentId);
  if (!document) throw new FolioError('NOT_FOUND', 'document not found');
  const loaded = await documentStateLoader(db, input.documentId);
  try {
    const prepared = await change(loaded);
    if (!prepared.update) return { changed: false, seq: loaded.seq, bytes: 0 };
    refuseOversizedDocument(prepared.bytes, input, input.field);
    await input.beforeStore?.();
    const { seq } = await liveDocumentUpdater(db, bus, {
      documentId: input.documentId,
      update: prepared.update,
      actorId: input.actorId,
      agent: input.agent?.label ?? null,
      // Indexed just below from the text at hand, rather than reloaded from Postgres.
      index: false,
      encodedHere: true,
    });
    await upsertSearchText(db, {
      documentId: document.id,
      workspaceId: document.workspace_id,
      title: document.title,
      // The same text the collaboration server indexes.
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
    return { changed: true, seq, bytes: prepared.update.byteLength };
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
  input: DocumentSizeLimit & WriteAttribution & { documentId: string; actorId: string; update: Uint8Array },
): Promise<DocumentWriteResult> {
  try {
    validateUpdateV1(input.update);
  } catch (error) {
    if (error instanceof InvalidUpdateError) {
      throw new FolioError('BAD_REQUEST', `not a valid Yjs V1 update: ${error.message}`, { field: 'body' });
    }
    throw error;
  }
  return writeDocument(db, bus, { ...input, field: 'body' }, ({ doc }) =>
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
  );
}

/**
 * Refuses a body with an over-long line at once, before the document is loaded or a
 * worker is asked (the full limits are checked again while parsing).
 */
export function refuseContentBeyondLimits(replacement: ContentReplacement, prefix = ''): void {
  if (!('markdown' in replacement)) return;
  try {
    checkMarkdownLines(replacement.markdown);
  } catch (error) {
    if (!(error instanceof MarkdownLimitError)) throw error;
    throw new FolioError('BAD_REQUEST', `${prefix}markdown: ${error.message}`, {
      field: `${prefix}markdown`,
    });
  }
}

/** Converts without threads when the caller has no converter (scripts, tests). */
const inlineConverter = createContentConverter({ inlineBelowChars: Number.POSITIVE_INFINITY });

/**
 * A `{text|markdown}` body as the change it makes to the document encoded as `state`,
 * with refusals as API errors naming the field (`prefix` locates the body in the
 * request, e.g. `content.` for document creation).
 */
export async function contentChange(
  converter: ContentConverter | undefined,
  state: Uint8Array,
  replacement: ContentReplacement,
  prefix = '',
): Promise<PreparedChange> {
  const field = `${prefix}${'text' in replacement ? 'text' : 'markdown'}`;
  try {
    return await (converter ?? inlineConverter).convert(state, replacement);
  } catch (error) {
    if (!(error instanceof ContentRefusedError)) throw error;
    switch (error.kind) {
      case 'target':
        throw new FolioError('BAD_REQUEST', error.message, { field: `${prefix}field` });
      case 'limit':
        throw new FolioError('BAD_REQUEST', `${field}: ${error.message}`, { field });
      case 'timeout':
      case 'memory':
        throw new FolioError('PAYLOAD_TOO_LARGE', `${field}: ${error.message}`, { field });
      case 'busy':
        throw new FolioError('UNAVAILABLE', error.message);
    }
  }
}

/** A `PUT /v1/documents/:id/content` body and who writes it. */
export type ContentWrite = DocumentSizeLimit &
  WriteAttribution & {
    documentId: string;
    actorId: string;
    replacement: ContentReplacement;
    converter?: ContentConverter | undefined;
  };

/**
 * `PUT /v1/documents/:id/content {text|markdown}`: replaces the text as a new change.
 * Markdown is parsed by `converter` (large bodies in a worker thread); without one, on
 * the calling thread.
 */
export function documentContentReplacer(
  db: Handle,
  bus: CollabBus | undefined,
  input: ContentWrite,
): Promise<DocumentWriteResult> {
  const field = 'text' in input.replacement ? 'text' : 'markdown';
  refuseContentBeyondLimits(input.replacement);
  return writeDocument(db, bus, { ...input, field }, ({ doc }) =>
    contentChange(input.converter, Y.encodeStateAsUpdate(doc), input.replacement),
  );
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
