import * as Y from 'yjs';
import { documentText } from './content.js';
import { MarkdownLimitError } from './markdown.js';
import { applyContentReplacement, type ContentReplacement, ContentTargetError } from './writer.js';

/** What a replacement turns into, relative to the state it was computed against. */
export interface ConvertedContent {
  /** The Yjs update (V1) that makes the change; absent when nothing changed. */
  update: Uint8Array | undefined;
  /** Encoded size of the whole document after the change. */
  bytes: number;
  /** The document's plain text after the change (for the search index). */
  text: string;
}

/** Why a replacement was refused, as plain data: error classes do not cross threads. */
export type ConversionRefusal = { refused: 'limit' | 'target'; message: string };

/** The transaction origin of converted content: a REST write (as `REST_ORIGIN`). */
export const CONVERSION_ORIGIN = { source: 'rest' } as const;

/**
 * Applies `replacement` to the document whose encoded state is `state` and returns the
 * update Yjs emitted for it. Pure and self-contained, so it runs the same in a worker
 * thread (content-worker.ts) as inline; refusals come back as values.
 */
export function convertContent(
  state: Uint8Array,
  replacement: ContentReplacement,
): ConvertedContent | ConversionRefusal {
  const doc = new Y.Doc();
  try {
    Y.applyUpdate(doc, state);
    const emitted: Uint8Array[] = [];
    doc.on('update', (update: Uint8Array) => emitted.push(update));
    try {
      applyContentReplacement(doc, replacement, CONVERSION_ORIGIN);
    } catch (error) {
      if (error instanceof MarkdownLimitError) return { refused: 'limit', message: error.message };
      if (error instanceof ContentTargetError) return { refused: 'target', message: error.message };
      throw error;
    }
    // Our own encoder's output for one or more transactions: safe to merge.
    const update = emitted.length <= 1 ? emitted[0] : Y.mergeUpdates(emitted);
    return { update, bytes: Y.encodeStateAsUpdate(doc).byteLength, text: documentText(doc) };
  } finally {
    doc.destroy();
  }
}
