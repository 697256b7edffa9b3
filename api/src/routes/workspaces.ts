import {
  workspaceCreator,
  workspaceInviter,
  workspaceMemberRemover,
  workspaceUpdater,
} from '@folio/shared/commands';
import type { Workspace as WorkspaceRow } from '@folio/shared/db';
import { listWorkspaceMembers, listWorkspacesOfUser } from '@folio/shared/db';
import { createRoute } from '@hono/zod-openapi';
import { authorizeWorkspace, requireScope } from '../http/access.js';
import type { RouteDeps } from '../http/deps.js';
import { errors, json } from '../http/openapi.js';
import { createRouter } from '../http/router.js';
import {
  Invited,
  Member,
  MemberList,
  MemberSet,
  Workspace,
  WorkspaceCreate,
  WorkspaceIdParam,
  WorkspaceList,
  WorkspacePatch,
  WorkspaceUserParams,
} from './workspaces.schemas.js';

const presentWorkspace = (w: WorkspaceRow, role: 'admin' | 'member' | null) => ({
  id: w.id,
  name: w.name,
  personal: w.personal_user_id !== null,
  role,
  searchLanguage: w.search_language,
  // Rows may still carry another configuration until the reindex job narrows the list.
  searchReindexing: w.search_languages.length > 1,
  createdAt: w.created_at.toISOString(),
});

export function workspaceRoutes(deps: RouteDeps) {
  const app = createRouter();

  app.openapi(
    createRoute({
      method: 'post',
      path: '/',
      tags: ['workspaces'],
      summary: 'Create a workspace; the caller becomes its admin',
      request: { body: { content: { 'application/json': { schema: WorkspaceCreate } }, required: true } },
      responses: { 201: json(Workspace, 'the workspace'), ...errors(400, 401, 403, 429) },
    }),
    async (c) => {
      const { name, searchLanguage } = c.req.valid('json');
      const principal = c.get('principal');
      requireScope(principal, 'write');
      const workspace = await workspaceCreator(deps.db, { name, searchLanguage, actorId: principal.userId });
      return c.json(presentWorkspace(workspace, 'admin'), 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/{id}',
      tags: ['workspaces'],
      summary: 'Rename a workspace or change its search language (workspace admins)',
      description:
        'A new `searchLanguage` applies at once to documents written from now on; existing documents are reindexed by a background job (`searchReindexing` is true until it is done), and search answers correctly meanwhile.',
      request: {
        params: WorkspaceIdParam,
        body: { content: { 'application/json': { schema: WorkspacePatch } }, required: true },
      },
      responses: { 200: json(Workspace, 'the workspace'), ...errors(400, 401, 403, 404, 429) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const { name, searchLanguage } = c.req.valid('json');
      const principal = c.get('principal');
      const role = await authorizeWorkspace(deps.db, principal, id, 'workspace.manage');
      const workspace = await workspaceUpdater(
        deps.db,
        { workspaceId: id, actorId: principal.userId, name, searchLanguage },
        deps.jobs,
      );
      return c.json(presentWorkspace(workspace, role ?? null), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/',
      tags: ['workspaces'],
      summary: "The caller's workspaces",
      responses: {
        200: json(WorkspaceList, 'workspaces the caller is a member of'),
        ...errors(401, 403, 429),
      },
    }),
    async (c) => {
      const principal = c.get('principal');
      requireScope(principal, 'read');
      const rows = await listWorkspacesOfUser(deps.db, principal.userId);
      return c.json({ items: rows.map((w) => presentWorkspace(w, w.role)) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/{id}/members',
      tags: ['workspaces'],
      summary: "A workspace's members",
      request: { params: WorkspaceIdParam },
      responses: { 200: json(MemberList, 'members'), ...errors(401, 403, 404, 429) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      await authorizeWorkspace(deps.db, c.get('principal'), id, 'workspace.read');
      const members = await listWorkspaceMembers(deps.db, id);
      return c.json(
        {
          items: members.map((m) => ({
            workspaceId: id,
            userId: m.userId,
            role: m.role,
            email: m.email,
            name: m.name,
          })),
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/{id}/members/{userId}',
      tags: ['workspaces'],
      summary: 'Add a member or change their role (workspace admins), or invite them',
      description:
        'Direct (200) for an instance admin, or for a workspace admin adding someone who already shares a workspace with them; otherwise the user is invited (202) and joins by accepting. Unknown ids are answered like strangers.',
      request: {
        params: WorkspaceUserParams,
        body: { content: { 'application/json': { schema: MemberSet } }, required: true },
      },
      responses: {
        200: json(Member, 'the membership'),
        202: json(Invited, 'invited'),
        ...errors(400, 401, 403, 404, 409, 429),
      },
    }),
    async (c) => {
      const { id, userId } = c.req.valid('param');
      const { role } = c.req.valid('json');
      const principal = c.get('principal');
      await authorizeWorkspace(deps.db, principal, id, 'workspace.manage');
      const added = await workspaceInviter(
        deps.db,
        { workspaceId: id, userId, role, actor: { userId: principal.userId, role: principal.role } },
        deps.bus,
      );
      if (added.status === 'invited') {
        return c.json({ status: 'invited' as const, invitationId: added.invitationId }, 202);
      }
      return c.json({ workspaceId: added.workspaceId, userId: added.userId, role: added.role }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/{id}/members/{userId}',
      tags: ['workspaces'],
      summary:
        'Remove a member, with their roles on its documents, or withdraw their invitation (workspace admins)',
      request: { params: WorkspaceUserParams },
      responses: { 204: { description: 'removed' }, ...errors(401, 403, 404, 409, 429) },
    }),
    async (c) => {
      const { id, userId } = c.req.valid('param');
      const principal = c.get('principal');
      await authorizeWorkspace(deps.db, principal, id, 'workspace.manage');
      await workspaceMemberRemover(deps.db, { workspaceId: id, userId, actorId: principal.userId }, deps.bus);
      return c.body(null, 204);
    },
  );

  return app;
}
