import { documentJson, documentMarkdown, documentText } from '@folio/shared/documents';
import type { Context } from 'hono';
import * as Y from 'yjs';

/**
 * A document as `?format=text|json|yjs|markdown` asks: plain text, JSON per top-level
 * type, the binary Yjs state, or Markdown (XML fragments through the Tiptap StarterKit
 * schema, Y.Text as its text). Destroys `doc`. Shared by the live content and version
 * routes.
 */
export function presentContent(c: Context, doc: Y.Doc, format: 'text' | 'json' | 'yjs' | 'markdown') {
  try {
    if (format === 'yjs') {
      return c.body(Y.encodeStateAsUpdate(doc) as Uint8Array<ArrayBuffer>, 200, {
        'content-type': 'application/octet-stream',
      });
    }
    if (format === 'json') return c.json(documentJson(doc), 200);
    if (format === 'markdown') {
      return c.body(documentMarkdown(doc), 200, { 'content-type': 'text/markdown; charset=utf-8' });
    }
    return c.text(documentText(doc), 200);
  } finally {
    doc.destroy();
  }
}
