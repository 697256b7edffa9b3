import * as Y from 'yjs';
import type { CollabBus } from '../collab-bus.js';
import type { Handle } from '../db/repositories/handle.js';
import {
  type ContentConverter,
  ContentRefusedError,
  createContentConverter,
} from '../documents/content-converter.js';
import { checkMarkdownLines, MarkdownLimitError } from '../documents/markdown-limits.js';
import type { ContentReplacement } from '../documents/writer.js';
import { FolioError } from '../errors.js';
import {
  type DocumentSizeLimit,
  type DocumentWriteResult,
  documentWriter,
  type PreparedChange,
  type WriteAttribution,
} from './document-writer.js';

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
  input: ContentWrite,
  bus?: CollabBus,
): Promise<DocumentWriteResult> {
  const field = 'text' in input.replacement ? 'text' : 'markdown';
  refuseContentBeyondLimits(input.replacement);
  return documentWriter(
    db,
    { ...input, field },
    ({ doc }) => contentChange(input.converter, Y.encodeStateAsUpdate(doc), input.replacement),
    bus,
  );
}
