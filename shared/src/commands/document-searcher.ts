import { filterReadableDocumentIds } from '../db/repositories/documents.js';
import type { Handle } from '../db/repositories/handle.js';
import { type SearchHit, type SearchQuery, searchDocuments } from '../db/repositories/search.js';

/**
 * Search, on the replica when there is one. The replica decides access as of its own
 * lag, so its page is re-checked on the primary (one primary-key lookup per hit, at most
 * a page): a document whose role was just revoked, or that was just deleted, is dropped
 * however far the replica lags. A dropped hit shortens the page rather than pulling in
 * the next one, which the replica may not know yet either.
 */
export async function documentSearcher(
  handles: { primary: Handle; replica: Handle },
  query: SearchQuery,
): Promise<SearchHit[]> {
  const hits = await searchDocuments(handles.replica, query);
  if (handles.replica === handles.primary || hits.length === 0) return hits;
  const readable = await filterReadableDocumentIds(
    handles.primary,
    query,
    hits.map((h) => h.documentId),
  );
  return hits.filter((h) => readable.has(h.documentId));
}
