import { FolioError, grantedDocumentRole, signConnectToken } from '@folio/shared';
import { documentCreator, documentDeleter, documentRenamer } from '@folio/shared/commands';
import {
  type DocumentRow,
  findDocument,
  findPersonalWorkspace,
  listReadableDocuments,
} from '@folio/shared/db';
import { createRoute } from '@hono/zod-openapi';
import { authorizeDocument, authorizeWorkspace, requireScope } from '../http/access.js';
import type { RouteDeps } from '../http/deps.js';
import { errors, json } from '../http/openapi.js';
import { createRouter } from '../http/router.js';
import {
  ConnectToken,
  Document,
  DocumentCreate,
  DocumentIdParam,
  DocumentList,
  DocumentListQuery,
  DocumentPatch,
} from './documents.schemas.js';

/** Long enough to connect and reconnect after a blip; short enough that a leak soon expires. */
const CONNECT_TOKEN_TTL_SECONDS = 10 * 60;

export const presentDocument = (d: DocumentRow, role?: 'owner' | 'editor' | 'viewer') => ({
  id: d.id,
  title: d.title,
  workspaceId: d.workspace_id,
  createdAt: d.created_at.toISOString(),
  updatedAt: d.updated_at.toISOString(),
  createdBy: d.created_by,
  ...(role ? { role } : {}),
});

const encodeCursor = (id: string) => Buffer.from(id).toString('base64url');
function decodeCursor(cursor: string): string {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^[\w-]{1,64}$/.test(id)) throw new FolioError('BAD_REQUEST', 'malformed cursor', { field: 'cursor' });
  return id;
}

/** Documents: create, list, read, rename, delete, and connect tokens for the WebSocket. */
export function documentRoutes(deps: RouteDeps) {
  const app = createRouter();

  app.openapi(
    createRoute({
      method: 'post',
      path: '/',
      tags: ['documents'],
      summary: 'Create a document (in the personal workspace unless workspaceId is given)',
      request: { body: { content: { 'application/json': { schema: DocumentCreate } }, required: true } },
      responses: { 201: json(Document, 'the document'), ...errors(400, 401, 403, 404, 413, 429, 503) },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const principal = c.get('principal');
      const workspaceId = body.workspaceId ?? (await findPersonalWorkspace(deps.db, principal.userId))?.id;
      if (!workspaceId) throw new FolioError('NOT_FOUND', 'no personal workspace', { field: 'workspaceId' });
      await authorizeWorkspace(deps.db, principal, workspaceId, 'workspace.write');
      const document = await documentCreator(deps.db, {
        workspaceId,
        title: body.title,
        content: body.content,
        actorId: principal.userId,
        agent: principal.agent?.label,
        converter: deps.contentConverter,
        maxDocumentBytes: deps.config.MAX_DOCUMENT_BYTES,
      });
      return c.json(presentDocument(document, 'owner'), 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/',
      tags: ['documents'],
      summary: 'Documents the caller may read, newest first',
      request: { query: DocumentListQuery },
      responses: { 200: json(DocumentList, 'a page of documents'), ...errors(400, 401, 403, 404, 429) },
    }),
    async (c) => {
      const query = c.req.valid('query');
      const principal = c.get('principal');
      requireScope(principal, 'read');
      if (query.workspaceId !== undefined) {
        await authorizeWorkspace(deps.db, principal, query.workspaceId, 'workspace.read');
      }
      // The primary, not the replica: a document just created must be in the next list.
      const rows = await listReadableDocuments(deps.db, {
        userId: principal.userId,
        instanceAdmin: principal.role === 'admin',
        workspaceId: query.workspaceId,
        limit: query.limit + 1,
        beforeId: query.cursor === undefined ? undefined : decodeCursor(query.cursor),
      });
      const page = rows.slice(0, query.limit);
      const last = page.at(-1);
      return c.json(
        {
          items: page.map((d) => presentDocument(d)),
          nextCursor: rows.length > query.limit && last ? encodeCursor(last.id) : null,
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/{id}',
      tags: ['documents'],
      summary: 'A document',
      request: { params: DocumentIdParam },
      responses: { 200: json(Document, 'the document'), ...errors(401, 403, 404, 429) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const principal = c.get('principal');
      const { subject } = await authorizeDocument(deps.db, principal, id, 'document.read');
      const document = await findDocument(deps.db, id);
      if (!document) throw new FolioError('NOT_FOUND', 'document not found');
      return c.json(presentDocument(document, grantedDocumentRole(principal, subject)), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/{id}',
      tags: ['documents'],
      summary: 'Rename a document (editors and owners)',
      request: {
        params: DocumentIdParam,
        body: { content: { 'application/json': { schema: DocumentPatch } }, required: true },
      },
      responses: { 200: json(Document, 'the document'), ...errors(400, 401, 403, 404, 429) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const { title } = c.req.valid('json');
      const principal = c.get('principal');
      const { subject } = await authorizeDocument(deps.db, principal, id, 'document.write');
      const document = await documentRenamer(deps.db, { documentId: id, title, actorId: principal.userId });
      return c.json(presentDocument(document, grantedDocumentRole(principal, subject)), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/{id}',
      tags: ['documents'],
      summary: 'Delete a document and all of its history (owners)',
      request: { params: DocumentIdParam },
      responses: { 204: { description: 'deleted' }, ...errors(401, 403, 404, 429) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const principal = c.get('principal');
      await authorizeDocument(deps.db, principal, id, 'document.delete');
      await documentDeleter(deps.db, { documentId: id, actorId: principal.userId }, deps.bus);
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/{id}/connect-token',
      tags: ['documents'],
      summary: 'A short-lived token for the collaboration WebSocket',
      request: { params: DocumentIdParam },
      responses: { 200: json(ConnectToken, 'the token'), ...errors(401, 403, 404, 429) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const principal = c.get('principal');
      const { subject } = await authorizeDocument(deps.db, principal, id, 'document.read');
      // The caller's role narrowed by their token's scopes: a read-only token connects as a viewer.
      const role = grantedDocumentRole(principal, subject);
      if (!role) throw new FolioError('FORBIDDEN', 'not allowed: document.read');
      // The token names the credential that minted it: revoking that API token or ending
      // that session closes the connections it opened and refuses it at every reconnect.
      const credentialId = principal.tokenId ?? principal.sessionId;
      if (!credentialId) throw new Error('a principal without a credential id');
      const signed = signConnectToken(
        {
          userId: principal.userId,
          documentId: id,
          role,
          credentialId,
          ttlSeconds: CONNECT_TOKEN_TTL_SECONDS,
        },
        deps.secretKey,
      );
      return c.json(
        {
          token: signed.token,
          expiresAt: signed.expiresAt.toISOString(),
          role,
          url: deps.config.COLLAB_PUBLIC_URL,
          // The stock y-websocket WebsocketProvider takes this as its server URL.
          yjsUrl: `${deps.config.COLLAB_PUBLIC_URL.replace(/\/+$/, '')}/yjs`,
          documentName: id,
        },
        200,
      );
    },
  );

  return app;
}
