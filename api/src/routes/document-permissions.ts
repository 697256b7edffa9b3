import { seesEveryProfile } from '@folio/shared';
import { permissionGranter, permissionRevoker } from '@folio/shared/commands';
import { listDocumentPermissions } from '@folio/shared/db';
import { createRoute } from '@hono/zod-openapi';
import { authorizeDocument } from '../http/access.js';
import type { RouteDeps } from '../http/deps.js';
import { errors, json } from '../http/openapi.js';
import { createRouter } from '../http/router.js';
import {
  DocumentUserParams,
  Permission,
  PermissionList,
  PermissionSet,
} from './document-permissions.schemas.js';
import { DocumentIdParam } from './documents.schemas.js';

/** Who has which role on a document. Reading needs access; changing needs ownership. */
export function documentPermissionRoutes(deps: RouteDeps) {
  const app = createRouter();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/{id}/permissions',
      tags: ['permissions'],
      summary: 'Explicit roles on a document',
      request: { params: DocumentIdParam },
      responses: { 200: json(PermissionList, 'roles'), ...errors(401, 403, 404, 429) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const principal = c.get('principal');
      await authorizeDocument(deps.db, principal, id, 'document.read');
      // Email and name only of people the caller shares a workspace with.
      const rows = await listDocumentPermissions(deps.db, id, {
        userId: principal.userId,
        seesEveryone: seesEveryProfile(principal),
      });
      return c.json(
        {
          items: rows.map((p) => ({
            userId: p.userId,
            role: p.role,
            email: p.email,
            ...(p.name !== null ? { name: p.name } : {}),
            createdAt: p.createdAt.toISOString(),
          })),
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/{id}/permissions/{userId}',
      tags: ['permissions'],
      summary: "Give a member of the document's workspace a role on it (owners)",
      description: 'Anyone who is not a member of the workspace is answered like an unknown id: 404.',
      request: {
        params: DocumentUserParams,
        body: { content: { 'application/json': { schema: PermissionSet } }, required: true },
      },
      responses: { 200: json(Permission, 'the role'), ...errors(400, 401, 403, 404, 409, 429) },
    }),
    async (c) => {
      const { id, userId } = c.req.valid('param');
      const { role } = c.req.valid('json');
      const principal = c.get('principal');
      await authorizeDocument(deps.db, principal, id, 'document.share');
      const granted = await permissionGranter(
        deps.db,
        { documentId: id, userId, role, actorId: principal.userId },
        deps.bus,
      );
      return c.json({ userId: granted.userId, role: granted.role }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/{id}/permissions/{userId}',
      tags: ['permissions'],
      summary: "Take a user's role away (owners); their live connections end",
      request: { params: DocumentUserParams },
      responses: { 204: { description: 'revoked' }, ...errors(401, 403, 404, 409, 429) },
    }),
    async (c) => {
      const { id, userId } = c.req.valid('param');
      const principal = c.get('principal');
      await authorizeDocument(deps.db, principal, id, 'document.share');
      await permissionRevoker(deps.db, { documentId: id, userId, actorId: principal.userId }, deps.bus);
      return c.body(null, 204);
    },
  );

  return app;
}
