import { documentJson, documentText } from '@folio/shared/documents';
import type { Context } from 'hono';
import * as Y from 'yjs';

/**
 * A document as `?format=text|json|yjs` asks: plain text, JSON per top-level type, or
 * the binary Yjs state. Destroys `doc`. Shared by the live content and version routes.
 */
export function presentContent(c: Context, doc: Y.Doc, format: 'text' | 'json' | 'yjs') {
  try {
    if (format === 'yjs') {
      return c.body(Y.encodeStateAsUpdate(doc) as Uint8Array<ArrayBuffer>, 200, {
        'content-type': 'application/octet-stream',
      });
    }
    if (format === 'json') return c.json(documentJson(doc), 200);
    return c.text(documentText(doc), 200);
  } finally {
    doc.destroy();
  }
}
