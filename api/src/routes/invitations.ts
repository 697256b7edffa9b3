import { workspaceInvitationAccepter, workspaceInvitationDecliner } from '@folio/shared/commands';
import { listInvitationsOfUser } from '@folio/shared/db';
import { createRoute } from '@hono/zod-openapi';
import { requireScope } from '../http/access.js';
import type { RouteDeps } from '../http/deps.js';
import { errors, json } from '../http/openapi.js';
import { createRouter } from '../http/router.js';
import { InvitationIdParam, InvitationList } from './invitations.schemas.js';
import { Member } from './workspaces.schemas.js';

/**
 * The caller's own workspace invitations. Someone else's invitation, a lapsed one and
 * an unknown id are all 404.
 */
export function invitationRoutes(deps: RouteDeps) {
  const app = createRouter();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/',
      tags: ['workspaces'],
      summary: 'Workspace invitations addressed to the caller',
      responses: { 200: json(InvitationList, 'pending invitations'), ...errors(401, 403, 429) },
    }),
    async (c) => {
      const principal = c.get('principal');
      requireScope(principal, 'read');
      const rows = await listInvitationsOfUser(deps.db, principal.userId, new Date());
      return c.json(
        {
          items: rows.map((i) => ({
            ...i,
            createdAt: i.createdAt.toISOString(),
            expiresAt: i.expiresAt.toISOString(),
          })),
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/{id}/accept',
      tags: ['workspaces'],
      summary: 'Accept an invitation: the caller joins the workspace',
      request: { params: InvitationIdParam },
      responses: { 200: json(Member, 'the membership'), ...errors(401, 403, 404, 429) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const principal = c.get('principal');
      requireScope(principal, 'write');
      const member = await workspaceInvitationAccepter(deps.db, {
        invitationId: id,
        userId: principal.userId,
      });
      return c.json(member, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/{id}',
      tags: ['workspaces'],
      summary: 'Decline an invitation',
      request: { params: InvitationIdParam },
      responses: { 204: { description: 'declined' }, ...errors(401, 403, 404, 429) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const principal = c.get('principal');
      requireScope(principal, 'write');
      await workspaceInvitationDecliner(deps.db, { invitationId: id, userId: principal.userId });
      return c.body(null, 204);
    },
  );

  return app;
}
