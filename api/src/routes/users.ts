import { seesEveryProfile } from '@folio/shared';
import { findUserByEmail, sharesWorkspace } from '@folio/shared/db';
import { createRoute } from '@hono/zod-openapi';
import { requireScope } from '../http/access.js';
import type { RouteDeps } from '../http/deps.js';
import { errors, json } from '../http/openapi.js';
import { createRouter } from '../http/router.js';
import { UserList, UserLookupQuery } from './users.schemas.js';

/**
 * Finding a person to share with by their email, within what the caller may see: their
 * own account and the people they share a workspace with (instance admins and the
 * compliance role: everyone). Someone outside that answers no items, as an unknown email
 * does, so the route reveals no one's existence.
 */
export function userRoutes(deps: RouteDeps) {
  const app = createRouter();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/',
      tags: ['identity'],
      summary: 'Look a user up by email (people the caller shares a workspace with)',
      request: { query: UserLookupQuery },
      responses: { 200: json(UserList, 'the user, or no items'), ...errors(400, 401, 403, 429) },
    }),
    async (c) => {
      const principal = c.get('principal');
      requireScope(principal, 'read');
      const { email } = c.req.valid('query');
      const user = await findUserByEmail(deps.db, email);
      const visible =
        user !== undefined &&
        user.erased_at === null &&
        (seesEveryProfile(principal) || (await sharesWorkspace(deps.db, principal.userId, user.id)));
      return c.json({ items: visible ? [{ id: user.id, email: user.email, name: user.name }] : [] }, 200);
    },
  );

  return app;
}
