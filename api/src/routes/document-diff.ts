import { documentDiffer, parseDiffEnd } from '@folio/shared/commands';
import { createRoute } from '@hono/zod-openapi';
import { authorizeDocument } from '../http/access.js';
import type { RouteDeps } from '../http/deps.js';
import { errors, json } from '../http/openapi.js';
import { createRouter } from '../http/router.js';
import { DiffQuery, DiffResult } from './document-diff.schemas.js';
import { DocumentIdParam } from './documents.schemas.js';

/** Who changed what between two states of a document. */
export function documentDiffRoutes(deps: RouteDeps) {
  const app = createRouter();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/{id}/diff',
      tags: ['content'],
      summary:
        'Inserted and deleted text between two states (ETag, version id, ISO time, live), in document ' +
        'order, each with the user and agent who made it',
      request: { params: DocumentIdParam, query: DiffQuery },
      responses: { 200: json(DiffResult, 'the changes'), ...errors(400, 401, 403, 404, 429) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const query = c.req.valid('query');
      const principal = c.get('principal');
      const { access } = await authorizeDocument(deps.db, principal, id, 'document.read');
      const from = parseDiffEnd(query.from, 'from');
      const to = parseDiffEnd(query.to ?? 'live', 'to');
      const result = await documentDiffer(deps.db, {
        documentId: id,
        workspaceId: access.workspaceId,
        actorId: principal.userId,
        from,
        to,
      });
      return c.json(result, 200);
    },
  );

  return app;
}
