import { FolioError } from '@folio/shared';
import {
  documentContentMerger,
  documentContentReader,
  documentContentReplacer,
  documentUpdateApplier,
  stateEtag,
} from '@folio/shared/commands';
import { createRoute, z } from '@hono/zod-openapi';
import { HTTPException } from 'hono/http-exception';
import { authorizeDocument } from '../http/access.js';
import type { RouteDeps } from '../http/deps.js';
import { errors, json } from '../http/openapi.js';
import { createRouter } from '../http/router.js';
import { presentContent } from './content-presenter.js';
import {
  ContentInput,
  ContentQuery,
  ContentWriteHeaders,
  contentResponse,
  WriteResult,
} from './document-content.schemas.js';
import { DocumentIdParam } from './documents.schemas.js';

/** Reading and writing a document's content over REST. */
export function documentContentRoutes(deps: RouteDeps) {
  const app = createRouter();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/{id}/content',
      tags: ['content'],
      summary:
        'The content as plain text, JSON per top-level type, Markdown, or the binary Yjs state; ' +
        'the ETag names the state (for If-Match and diff)',
      request: { params: DocumentIdParam, query: ContentQuery },
      responses: {
        200: contentResponse,
        ...errors(400, 401, 403, 404, 429),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const { format } = c.req.valid('query');
      const principal = c.get('principal');
      const { access } = await authorizeDocument(deps.db, principal, id, 'document.read');
      const { doc, basis } = await documentContentReader(deps.db, {
        documentId: id,
        workspaceId: access.workspaceId,
        actorId: principal.userId,
        format,
      });
      c.header('ETag', stateEtag(basis));
      return presentContent(c, doc, format);
    },
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/{id}/content',
      tags: ['content'],
      summary:
        'Write the text (editors and owners); reaches live clients. With If-Match: merge the change ' +
        'from the state that ETag names, keeping edits made since; without: replace',
      request: {
        params: DocumentIdParam,
        headers: ContentWriteHeaders,
        body: { content: { 'application/json': { schema: ContentInput } }, required: true },
      },
      responses: {
        200: json(WriteResult, 'stored'),
        ...errors(400, 401, 403, 404, 412, 413, 429, 503),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const replacement = c.req.valid('json');
      const ifMatch = c.req.valid('header')['if-match']?.trim();
      const principal = c.get('principal');
      await authorizeDocument(deps.db, principal, id, 'document.write');
      const write = {
        documentId: id,
        actorId: principal.userId,
        agent: principal.agent,
        replacement,
        converter: deps.contentConverter,
        maxDocumentBytes: deps.config.MAX_DOCUMENT_BYTES,
      };
      // `If-Match: *` asks only that the document exists, which authorization settled.
      const result =
        ifMatch && ifMatch !== '*'
          ? await documentContentMerger(deps.db, { ...write, ifMatch }, deps.bus)
          : await documentContentReplacer(deps.db, write, deps.bus);
      return c.json(result, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/{id}/updates',
      tags: ['content'],
      summary: 'Apply a binary Yjs update (V1) (editors and owners); reaches live clients',
      request: {
        params: DocumentIdParam,
        body: {
          content: { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) } },
          required: true,
        },
      },
      responses: { 200: json(WriteResult, 'stored'), ...errors(400, 401, 403, 404, 413, 415, 429) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const principal = c.get('principal');
      const type = c.req.header('content-type')?.split(';')[0]?.trim().toLowerCase();
      if (type !== 'application/octet-stream') {
        throw new HTTPException(415, { message: 'send the update as application/octet-stream' });
      }
      await authorizeDocument(deps.db, principal, id, 'document.write');
      const update = new Uint8Array(await c.req.arrayBuffer());
      if (update.byteLength === 0) throw new FolioError('BAD_REQUEST', 'empty update', { field: 'body' });
      const result = await documentUpdateApplier(
        deps.db,
        {
          documentId: id,
          actorId: principal.userId,
          agent: principal.agent,
          update,
          maxDocumentBytes: deps.config.MAX_DOCUMENT_BYTES,
        },
        deps.bus,
      );
      return c.json(result, 200);
    },
  );

  return app;
}
