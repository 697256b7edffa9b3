import { webhookEventSchema } from '@folio/shared';
import { z } from '@hono/zod-openapi';
import { pathId } from '../http/openapi.js';

/** Shapes of the webhook routes (contract, "Webhooks"). */

export const WebhookIdParam = z.object({ id: pathId('id') });
export const DeliveryParams = z.object({ id: pathId('id'), deliveryId: pathId('deliveryId') });

export const WebhookCreate = z
  .strictObject({
    url: z.string().trim().min(1).max(2048).openapi({ example: 'https://example.com/folio-hook' }),
    events: z
      .array(webhookEventSchema)
      .min(1)
      .max(16)
      .openapi({ description: 'event types, or ["*"] for all of them' }),
    description: z.string().trim().max(500).optional(),
  })
  .openapi('WebhookCreate');

export const Webhook = z
  .object({
    id: z.string(),
    url: z.string(),
    events: z.array(z.string()),
    description: z.string().nullable(),
    createdAt: z.string().openapi({ format: 'date-time' }),
    disabledAt: z.string().nullable().openapi({ format: 'date-time' }),
  })
  .openapi('Webhook');

export const CreatedWebhook = Webhook.extend({
  secret: z
    .string()
    .openapi({ description: 'The Standard Webhooks signing secret (whsec_…); shown only here.' }),
}).openapi('CreatedWebhook');

export const WebhookList = z.object({ items: z.array(Webhook) }).openapi('WebhookList');

export const DeliveryListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});

export const Delivery = z
  .object({
    id: z.string().openapi({ description: 'the webhook-id header of every attempt' }),
    type: z.string(),
    status: z.enum(['pending', 'delivered', 'failed']),
    attempts: z.number().int(),
    lastStatus: z.number().int().nullable(),
    lastError: z.string().nullable(),
    nextAttemptAt: z.string().nullable().openapi({ format: 'date-time' }),
    createdAt: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('WebhookDelivery');

export const DeliveryList = z
  .object({ items: z.array(Delivery), nextCursor: z.string().nullable() })
  .openapi('WebhookDeliveryList');

export const Accepted = z
  .object({ id: z.string(), status: z.literal('pending') })
  .openapi('RedeliveryAccepted');
