import type * as Y from 'yjs';
import { findDocument } from '../db/repositories/documents.js';
import type { Handle } from '../db/repositories/handle.js';
import { upsertSearchText } from '../db/repositories/search.js';
import { documentText } from '../documents/content.js';
import { documentStateLoader } from './document-state-loader.js';

/**
 * Writes a document's title and plain text to the search index. Pass the live `doc`
 * when the caller holds a current one (the collaboration server); otherwise the state is
 * loaded from Postgres (snapshot + log), which includes every acknowledged edit.
 * Returns false when the document no longer exists.
 */
export async function documentSearchIndexer(db: Handle, documentId: string, doc?: Y.Doc): Promise<boolean> {
  const row = await findDocument(db, documentId);
  if (!row) return false;
  let body: string;
  if (doc) {
    body = documentText(doc);
  } else {
    const loaded = await documentStateLoader(db, documentId);
    try {
      body = documentText(loaded.doc);
    } finally {
      loaded.doc.destroy();
    }
  }
  await upsertSearchText(db, { documentId, workspaceId: row.workspace_id, title: row.title, body });
  return true;
}
