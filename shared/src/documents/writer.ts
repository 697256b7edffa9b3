import * as Y from 'yjs';
import { writeBlocks } from './block-writer.js';
import { rootTypes } from './content.js';
import { parseMarkdown, parsePlainText } from './markdown.js';

/** What `PUT /v1/documents/:id/content` writes. */
export type ContentReplacement = { text: string; field?: string } | { markdown: string; field?: string };

/** The root the editors use for rich text when a document has none yet (Tiptap's default). */
export const DEFAULT_FIELD = 'default';

export class ContentTargetError extends Error {
  override readonly name = 'ContentTargetError';
}

/**
 * Which top-level type a replacement goes to: the named one; else `default`, else the
 * first XML fragment, else the first text; a new XML fragment `default` in an empty
 * document.
 */
function target(doc: Y.Doc, field: string | undefined): Y.Text | Y.XmlFragment {
  const roots = rootTypes(doc).filter((r) => r.kind === 'text' || r.kind === 'xml');
  if (field !== undefined) {
    const found = rootTypes(doc).find((r) => r.name === field);
    if (found && found.kind !== 'text' && found.kind !== 'xml') {
      throw new ContentTargetError(`field ${field} is a ${found.kind}, not text`);
    }
    return (found?.type as Y.Text | Y.XmlFragment | undefined) ?? doc.getXmlFragment(field);
  }
  const chosen =
    roots.find((r) => r.name === DEFAULT_FIELD) ?? roots.find((r) => r.kind === 'xml') ?? roots[0];
  return (chosen?.type as Y.Text | Y.XmlFragment | undefined) ?? doc.getXmlFragment(DEFAULT_FIELD);
}

/** Replaces only the part that changed, so concurrent edits elsewhere in the text survive. */
function replaceText(text: Y.Text, next: string): void {
  const current = text.toString();
  if (current === next) return;
  let start = 0;
  while (start < current.length && start < next.length && current[start] === next[start]) start++;
  let end = 0;
  while (
    end < current.length - start &&
    end < next.length - start &&
    current[current.length - 1 - end] === next[next.length - 1 - end]
  ) {
    end++;
  }
  const removed = current.length - start - end;
  if (removed > 0) text.delete(start, removed);
  const inserted = next.slice(start, next.length - end);
  if (inserted) text.insert(start, inserted);
}

/**
 * Applies a replacement to `doc` in one transaction with `origin`: Y.Text gets the
 * characters as they are; an XML fragment gets Markdown parsed into Tiptap's StarterKit
 * schema (`parseMarkdown`, which throws `MarkdownLimitError`), or one paragraph per line
 * of text. The caller encodes the change with `Y.encodeStateAsUpdate(doc, stateVectorBefore)`.
 */
export function applyContentReplacement(doc: Y.Doc, replacement: ContentReplacement, origin: unknown): void {
  const into = target(doc, replacement.field);
  if (into instanceof Y.Text) {
    doc.transact(
      () => replaceText(into, 'text' in replacement ? replacement.text : replacement.markdown),
      origin,
    );
    return;
  }
  // Parsed before the transaction: input beyond the limits changes nothing.
  const next = 'text' in replacement ? parsePlainText(replacement.text) : parseMarkdown(replacement.markdown);
  doc.transact(() => {
    // A block-by-block diff against what the fragment holds (through y-prosemirror's
    // mapping, the one Tiptap's Collaboration extension uses): unchanged blocks are kept
    // rather than deleted and re-inserted, and concurrent edits in them survive.
    writeBlocks(into, next);
  }, origin);
}
