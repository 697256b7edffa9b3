import { FolioError } from '@folio/shared';
import { type ErasureReport, erasureRequester, userExporter } from '@folio/shared/commands';
import { type ErasureRequestRow, findErasureRequest } from '@folio/shared/db';
import { createRoute } from '@hono/zod-openapi';
import { forbidUnless, requireScope } from '../http/access.js';
import type { RouteDeps } from '../http/deps.js';
import type { Principal } from '../http/env.js';
import { errors, json } from '../http/openapi.js';
import { createRouter } from '../http/router.js';
import {
  Erasure,
  ErasureAccepted,
  ErasureCreate,
  ErasureIdParam,
  ExportUserParam,
  UserExport,
} from './gdpr.schemas.js';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function presentErasure(r: ErasureRequestRow) {
  return {
    id: r.id,
    userId: r.user_id,
    status: r.status,
    // Written by userEraser; its shape is ErasureReport.
    report: r.report as ErasureReport | null,
    error: r.error,
    createdAt: r.created_at.toISOString(),
    startedAt: iso(r.started_at),
    finishedAt: iso(r.finished_at),
  };
}

function requireCompliance(principal: Principal, action: 'gdpr.erase' | 'gdpr.export') {
  forbidUnless(principal, action, { kind: 'instance' });
}

/** GDPR erasure (asynchronous, by the erasure worker) and export. */
export function gdprRoutes(deps: RouteDeps, kickErasures: () => Promise<void>) {
  const app = createRouter();

  app.openapi(
    createRoute({
      method: 'post',
      path: '/erasures',
      tags: ['compliance'],
      summary: 'Request the erasure of a user (compliance); carried out asynchronously',
      request: { body: { content: { 'application/json': { schema: ErasureCreate } }, required: true } },
      responses: {
        202: json(ErasureAccepted, 'accepted; poll GET /v1/gdpr/erasures/{id}'),
        ...errors(400, 401, 403, 404, 409, 429),
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const principal = c.get('principal');
      requireCompliance(principal, 'gdpr.erase');
      const { request } = await erasureRequester(deps.db, { target: body, actorId: principal.userId });
      // The request row is durable; this only wakes a worker now (workers also drain
      // every minute, which covers a kick lost to a crash right here).
      await kickErasures();
      c.header('location', `/v1/gdpr/erasures/${request.id}`);
      return c.json({ id: request.id, status: request.status }, 202);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/erasures/{id}',
      tags: ['compliance'],
      summary: 'The status of an erasure request and, once done, its report',
      request: { params: ErasureIdParam },
      responses: { 200: json(Erasure, 'the request'), ...errors(401, 403, 404, 429) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      requireCompliance(c.get('principal'), 'gdpr.erase');
      const request = await findErasureRequest(deps.db, id);
      if (!request) throw new FolioError('NOT_FOUND', 'erasure request not found');
      return c.json(presentErasure(request), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/exports/{userId}',
      tags: ['compliance'],
      summary: 'Everything Folio holds about a user (compliance, or the user themself)',
      request: { params: ExportUserParam },
      responses: { 200: json(UserExport, 'the export'), ...errors(401, 403, 404, 429) },
    }),
    async (c) => {
      const { userId } = c.req.valid('param');
      const principal = c.get('principal');
      if (principal.userId === userId) requireScope(principal, 'read');
      else requireCompliance(principal, 'gdpr.export');
      const exported = await userExporter(deps.db, { userId, actorId: principal.userId });
      c.header('content-disposition', `attachment; filename="folio-export-${userId}.json"`);
      return c.json(exported, 200);
    },
  );

  return app;
}
