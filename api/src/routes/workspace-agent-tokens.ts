import { FolioError } from '@folio/shared';
import { presentApiToken, workspaceAgentTokenRevoker } from '@folio/shared/commands';
import { listWorkspaceAgentTokens } from '@folio/shared/db';
import { createRoute } from '@hono/zod-openapi';
import { authorizeWorkspace } from '../http/access.js';
import type { RouteDeps } from '../http/deps.js';
import { errors, json } from '../http/openapi.js';
import { createRouter } from '../http/router.js';
import { AgentTokenList, WorkspaceTokenParams } from './workspace-agent-tokens.schemas.js';
import { WorkspaceIdParam } from './workspaces.schemas.js';

/** Workspace admins oversee the agent tokens of their members: list and revoke. */
export function workspaceAgentTokenRoutes(deps: RouteDeps) {
  const app = createRouter();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/{id}/agent-tokens',
      tags: ['workspaces'],
      summary: "The members' live agent tokens (workspace admins; never their secrets)",
      request: { params: WorkspaceIdParam },
      responses: { 200: json(AgentTokenList, 'agent tokens, newest first'), ...errors(401, 403, 404, 429) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const principal = c.get('principal');
      const role = await authorizeWorkspace(deps.db, principal, id, 'workspace.read');
      if (role !== 'admin' && principal.role !== 'admin') {
        throw new FolioError('FORBIDDEN', 'only workspace admins see the agent tokens of its members');
      }
      const tokens = await listWorkspaceAgentTokens(deps.db, id);
      return c.json({ items: tokens.map((t) => ({ ...presentApiToken(t), userId: t.user_id })) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/{id}/agent-tokens/{tokenId}',
      tags: ['workspaces'],
      summary: "Revoke a member's agent token (workspace admins)",
      request: { params: WorkspaceTokenParams },
      responses: { 204: { description: 'revoked' }, ...errors(401, 403, 404, 429) },
    }),
    async (c) => {
      const { id, tokenId } = c.req.valid('param');
      const principal = c.get('principal');
      await authorizeWorkspace(deps.db, principal, id, 'workspace.manage');
      await workspaceAgentTokenRevoker(
        deps.db,
        { workspaceId: id, tokenId, actorId: principal.userId },
        deps.bus,
      );
      return c.body(null, 204);
    },
  );

  return app;
}
