import { documentSearcher } from '@folio/shared/commands';
import { START_MARK, STOP_MARK } from '@folio/shared/db';
import { createRoute } from '@hono/zod-openapi';
import { requireScope } from '../http/access.js';
import type { RouteDeps } from '../http/deps.js';
import { errors, json } from '../http/openapi.js';
import { createRouter } from '../http/router.js';
import { SearchQuery, SearchResults } from './search.schemas.js';

const escapeHtml = (text: string) =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

/**
 * Document text is untrusted: the snippet is escaped so a client may render it as HTML,
 * and only the match markers the database put in become `<mark>`.
 */
export const presentSnippet = (raw: string) =>
  escapeHtml(raw).replaceAll(START_MARK, '<mark>').replaceAll(STOP_MARK, '</mark>');

/** Full-text search over the documents the caller may read. */
export function searchRoutes(deps: RouteDeps) {
  const app = createRouter();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/',
      tags: ['search'],
      summary: 'Search the documents the caller may read, best match first',
      request: { query: SearchQuery },
      responses: { 200: json(SearchResults, 'matches'), ...errors(400, 401, 403, 429) },
    }),
    async (c) => {
      const { q, workspaceId, limit } = c.req.valid('query');
      const principal = c.get('principal');
      requireScope(principal, 'read');
      // The replica: search is the heaviest read there is. Its page is re-checked on the
      // primary, so a replica lagging behind a revocation never shows what was revoked.
      const hits = await documentSearcher(
        { primary: deps.db, replica: deps.replica },
        {
          text: q,
          userId: principal.userId,
          instanceAdmin: principal.role === 'admin',
          workspaceId,
          limit,
        },
      );
      return c.json({ items: hits.map((h) => ({ ...h, snippet: presentSnippet(h.snippet) })) }, 200);
    },
  );

  return app;
}
