import { FolioError } from '@folio/shared';
import { findUserById } from '@folio/shared/db';
import { createRoute } from '@hono/zod-openapi';
import type { RouteDeps } from '../http/deps.js';
import { errors, json } from '../http/openapi.js';
import { createRouter } from '../http/router.js';
import { Me } from './me.schemas.js';

export function meRoutes(deps: RouteDeps) {
  const app = createRouter();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/',
      tags: ['identity'],
      summary: 'The authenticated user',
      responses: { 200: json(Me, 'the caller'), ...errors(401, 429) },
    }),
    async (c) => {
      // Any credential may ask who it belongs to, whatever its scopes.
      const user = await findUserById(deps.db, c.get('principal').userId);
      if (!user) throw new FolioError('UNAUTHENTICATED', 'unknown user');
      return c.json({ id: user.id, email: user.email, name: user.name, role: user.role }, 200);
    },
  );

  return app;
}
