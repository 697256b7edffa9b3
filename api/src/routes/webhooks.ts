import { FolioError } from '@folio/shared';
import { webhookDeleter, webhookRegistrar } from '@folio/shared/commands';
import {
  findWebhook,
  findWebhookDelivery,
  inTransaction,
  listWebhookDeliveries,
  listWebhooks,
  resetWebhookDelivery,
  type WebhookDeliveryRow,
  type WebhookRow,
} from '@folio/shared/db';
import { QUEUES, webhookLaneKey } from '@folio/shared/jobs';
import { createRoute } from '@hono/zod-openapi';
import { authorizeWorkspace } from '../http/access.js';
import type { RouteDeps } from '../http/deps.js';
import type { Principal } from '../http/env.js';
import { errors, json } from '../http/openapi.js';
import { createRouter } from '../http/router.js';
import {
  Accepted,
  CreatedWebhook,
  DeliveryList,
  DeliveryListQuery,
  DeliveryParams,
  WebhookCreate,
  WebhookIdParam,
  WebhookList,
} from './webhooks.schemas.js';
import { WorkspaceIdParam } from './workspaces.schemas.js';

const presentWebhook = (w: WebhookRow) => ({
  id: w.id,
  url: w.url,
  events: w.events,
  description: w.description,
  createdAt: new Date(w.created_at).toISOString(),
  disabledAt: w.disabled_at ? new Date(w.disabled_at).toISOString() : null,
});

const presentDelivery = (d: WebhookDeliveryRow) => ({
  id: d.id,
  type: d.type,
  status: d.status,
  attempts: d.attempts,
  lastStatus: d.last_status,
  lastError: d.last_error,
  nextAttemptAt:
    d.status === 'pending' && d.next_attempt_at ? new Date(d.next_attempt_at).toISOString() : null,
  createdAt: new Date(d.created_at).toISOString(),
});

const encodeCursor = (seq: number) => Buffer.from(String(seq)).toString('base64url');
function decodeCursor(cursor: string | undefined): number | undefined {
  if (cursor === undefined) return undefined;
  const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
  const seq = Number(decoded);
  if (!/^[1-9]\d{0,15}$/.test(decoded) || !Number.isSafeInteger(seq)) {
    throw new FolioError('BAD_REQUEST', 'malformed cursor', { field: 'cursor' });
  }
  return seq;
}

/** The webhook, if the caller administers its workspace (else the same 404 as an unknown id). */
async function authorizeWebhook(deps: RouteDeps, principal: Principal, id: string): Promise<WebhookRow> {
  const webhook = await findWebhook(deps.db, id);
  if (!webhook) throw new FolioError('NOT_FOUND', 'webhook not found');
  try {
    await authorizeWorkspace(deps.db, principal, webhook.workspace_id, 'workspace.integrate');
  } catch (error) {
    if (error instanceof FolioError && error.code === 'NOT_FOUND') {
      throw new FolioError('NOT_FOUND', 'webhook not found');
    }
    throw error;
  }
  return webhook;
}

/** `/v1/workspaces/:id/webhooks`: register and list (workspace admins, scope `admin`). */
export function workspaceWebhookRoutes(deps: RouteDeps) {
  const app = createRouter();

  app.openapi(
    createRoute({
      method: 'post',
      path: '/{id}/webhooks',
      tags: ['webhooks'],
      summary:
        'Register a webhook for the workspace (workspace admins, scope admin); the secret is shown once',
      request: {
        params: WorkspaceIdParam,
        body: { content: { 'application/json': { schema: WebhookCreate } }, required: true },
      },
      responses: {
        201: json(CreatedWebhook, 'the webhook, with its secret'),
        ...errors(400, 401, 403, 404, 409, 429),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const body = c.req.valid('json');
      const principal = c.get('principal');
      await authorizeWorkspace(deps.db, principal, id, 'workspace.integrate');
      const webhook = await webhookRegistrar(deps.db, {
        workspaceId: id,
        url: body.url,
        events: body.events,
        description: body.description,
        actorId: principal.userId,
        allowPrivateTargets: deps.config.WEBHOOK_ALLOW_PRIVATE_TARGETS,
      });
      return c.json({ ...presentWebhook(webhook), secret: webhook.secret }, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/{id}/webhooks',
      tags: ['webhooks'],
      summary: "The workspace's webhooks (never their secrets)",
      request: { params: WorkspaceIdParam },
      responses: { 200: json(WebhookList, 'webhooks'), ...errors(401, 403, 404, 429) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      await authorizeWorkspace(deps.db, c.get('principal'), id, 'workspace.integrate');
      const rows = await listWebhooks(deps.db, id);
      return c.json({ items: rows.map(presentWebhook) }, 200);
    },
  );

  return app;
}

/** `/v1/webhooks/:id`: delete, the delivery log, redelivery. */
export function webhookRoutes(deps: RouteDeps) {
  const app = createRouter();

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/{id}',
      tags: ['webhooks'],
      summary: 'Delete a webhook with its delivery log',
      request: { params: WebhookIdParam },
      responses: { 204: { description: 'deleted' }, ...errors(401, 403, 404, 429) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const principal = c.get('principal');
      await authorizeWebhook(deps, principal, id);
      await webhookDeleter(deps.db, { webhookId: id, actorId: principal.userId });
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/{id}/deliveries',
      tags: ['webhooks'],
      summary: "The webhook's delivery log, newest first",
      request: { params: WebhookIdParam, query: DeliveryListQuery },
      responses: { 200: json(DeliveryList, 'deliveries'), ...errors(400, 401, 403, 404, 429) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const { limit, cursor } = c.req.valid('query');
      await authorizeWebhook(deps, c.get('principal'), id);
      const rows = await listWebhookDeliveries(deps.db, id, {
        limit: limit + 1,
        beforeSeq: decodeCursor(cursor),
      });
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return c.json(
        {
          items: page.map(presentDelivery),
          nextCursor: rows.length > limit && last ? encodeCursor(Number(last.seq)) : null,
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/{id}/deliveries/{deliveryId}/redeliver',
      tags: ['webhooks'],
      summary: 'Send a delivery again (same webhook-id), after earlier pending ones about the same document',
      request: { params: DeliveryParams },
      responses: { 202: json(Accepted, 'queued'), ...errors(401, 403, 404, 409, 429) },
    }),
    async (c) => {
      const { id, deliveryId } = c.req.valid('param');
      const webhook = await authorizeWebhook(deps, c.get('principal'), id);
      if (webhook.disabled_at) throw new FolioError('CONFLICT', 'the webhook is disabled');
      const delivery = await findWebhookDelivery(deps.db, id, deliveryId);
      if (!delivery) throw new FolioError('NOT_FOUND', 'delivery not found');
      const lane = { webhookId: id, lane: delivery.lane };
      await inTransaction(deps.db, async (trx) => {
        await resetWebhookDelivery(trx, delivery.id);
        await deps.jobs.send(QUEUES.webhookLane, lane, { singletonKey: webhookLaneKey(lane), trx });
      });
      return c.json({ id: delivery.id, status: 'pending' as const }, 202);
    },
  );

  return app;
}
