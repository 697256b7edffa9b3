import {
  type CreatedVersion,
  documentRestorer,
  documentStateAtReader,
  documentVersionCreator,
  documentVersionReader,
  versionEtag,
} from '@folio/shared/commands';
import { listDocumentVersions } from '@folio/shared/db';
import { createRoute, type z } from '@hono/zod-openapi';
import { authorizeDocument } from '../http/access.js';
import type { RouteDeps } from '../http/deps.js';
import { errors, json } from '../http/openapi.js';
import { createRouter } from '../http/router.js';
import { presentContent } from './content-presenter.js';
import { ContentQuery, contentResponse } from './document-content.schemas.js';
import {
  RestoreRequest,
  RestoreResult,
  StateAtQuery,
  Version,
  VersionCreate,
  VersionList,
  VersionListQuery,
  VersionParams,
} from './document-versions.schemas.js';
import { DocumentIdParam } from './documents.schemas.js';

const presentVersion = (v: CreatedVersion): z.infer<typeof Version> => ({
  id: v.id,
  label: v.label,
  kind: v.kind,
  seq: v.seq,
  createdAt: v.createdAt.toISOString(),
  createdBy: v.createdBy,
  bytes: v.bytes,
});

/** Named versions of a document, their content, and restoring one (or a point in time). */
export function documentVersionRoutes(deps: RouteDeps) {
  const app = createRouter();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/{id}/versions',
      tags: ['versions'],
      summary: 'Versions of a document, newest first',
      request: { params: DocumentIdParam, query: VersionListQuery },
      responses: { 200: json(VersionList, 'versions'), ...errors(400, 401, 403, 404, 429) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const { limit } = c.req.valid('query');
      await authorizeDocument(deps.db, c.get('principal'), id, 'document.read');
      const rows = await listDocumentVersions(deps.db, id, limit);
      return c.json(
        {
          items: rows.map((v) =>
            presentVersion({
              id: v.id,
              label: v.label,
              kind: v.kind,
              seq: Number(v.seq),
              createdAt: v.created_at,
              createdBy: v.created_by,
              bytes: Number(v.bytes),
            }),
          ),
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/{id}/versions',
      tags: ['versions'],
      summary: 'Keep the current stored state as a named version (editors and owners)',
      request: {
        params: DocumentIdParam,
        body: { content: { 'application/json': { schema: VersionCreate } }, required: false },
      },
      responses: { 201: json(Version, 'the version'), ...errors(400, 401, 403, 404, 429) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const body = c.req.valid('json') ?? {};
      const principal = c.get('principal');
      await authorizeDocument(deps.db, principal, id, 'document.write');
      const version = await documentVersionCreator(deps.db, {
        documentId: id,
        actorId: principal.userId,
        label: body.label || null,
      });
      return c.json(presentVersion(version), 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/{id}/versions/{versionId}/content',
      tags: ['versions'],
      summary: "A version's content as plain text, JSON per top-level type, or the binary Yjs state",
      request: { params: VersionParams, query: ContentQuery },
      responses: {
        200: contentResponse,
        ...errors(400, 401, 403, 404, 429),
      },
    }),
    async (c) => {
      const { id, versionId } = c.req.valid('param');
      const { format } = c.req.valid('query');
      const principal = c.get('principal');
      const { access } = await authorizeDocument(deps.db, principal, id, 'document.read');
      const { doc } = await documentVersionReader(deps.db, {
        documentId: id,
        workspaceId: access.workspaceId,
        versionId,
        actorId: principal.userId,
        format,
      });
      c.header('ETag', versionEtag(versionId));
      return presentContent(c, doc, format);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/{id}/state',
      tags: ['versions'],
      summary:
        'The document as it was at an instant (`at`), read only: the latest snapshot by then plus the edits committed by then',
      request: { params: DocumentIdParam, query: StateAtQuery },
      responses: { 200: { description: 'the content' }, ...errors(400, 401, 403, 404, 429) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const { format, at } = c.req.valid('query');
      const principal = c.get('principal');
      const { access } = await authorizeDocument(deps.db, principal, id, 'document.read');
      const { doc } = await documentStateAtReader(deps.db, {
        documentId: id,
        workspaceId: access.workspaceId,
        at: new Date(at),
        actorId: principal.userId,
        format,
      });
      return presentContent(c, doc, format);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/{id}/restore',
      tags: ['versions'],
      summary:
        'Make the live document hold a version, or its state at a time, as a new change (editors and owners)',
      request: {
        params: DocumentIdParam,
        body: { content: { 'application/json': { schema: RestoreRequest } }, required: true },
      },
      responses: { 200: json(RestoreResult, 'restored'), ...errors(400, 401, 403, 404, 413, 429) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const body = c.req.valid('json');
      const principal = c.get('principal');
      await authorizeDocument(deps.db, principal, id, 'document.write');
      const result = await documentRestorer(
        deps.db,
        {
          documentId: id,
          actorId: principal.userId,
          agent: principal.agent,
          target: 'versionId' in body ? { versionId: body.versionId } : { at: new Date(body.at) },
          maxDocumentBytes: deps.config.MAX_DOCUMENT_BYTES,
        },
        deps.bus,
      );
      return c.json(result, 200);
    },
  );

  return app;
}
