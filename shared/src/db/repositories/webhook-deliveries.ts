import { sql } from 'kysely';
import type { WebhookDeliveryRow } from '../schema.js';
import type { Handle } from './handle.js';

/** The delivery log: one row per event and endpoint, with the state of its retries. */

export async function insertWebhookDeliveries(
  db: Handle,
  deliveries: { id: string; webhookId: string; lane: string; type: string; body: string }[],
): Promise<void> {
  if (deliveries.length === 0) return;
  // One statement in list order: seq (an identity) follows the order of the rows.
  await db
    .insertInto('webhook_deliveries')
    .values(
      deliveries.map((d) => ({
        id: d.id,
        webhook_id: d.webhookId,
        lane: d.lane,
        type: d.type,
        body: d.body,
      })),
    )
    .execute();
}

export async function listWebhookDeliveries(
  db: Handle,
  webhookId: string,
  options: { limit: number; beforeSeq?: number | undefined },
): Promise<WebhookDeliveryRow[]> {
  let query = db
    .selectFrom('webhook_deliveries')
    .selectAll()
    .where('webhook_id', '=', webhookId)
    .orderBy('seq', 'desc')
    .limit(options.limit);
  if (options.beforeSeq !== undefined) query = query.where('seq', '<', options.beforeSeq);
  return query.execute();
}

export function findWebhookDelivery(
  db: Handle,
  webhookId: string,
  deliveryId: string,
): Promise<WebhookDeliveryRow | undefined> {
  return db
    .selectFrom('webhook_deliveries')
    .selectAll()
    .where('webhook_id', '=', webhookId)
    .where('id', '=', deliveryId)
    .executeTakeFirst();
}

/**
 * Makes a delivery pending again, due now (its id, and so its `webhook-id`, stay). It
 * keeps its place in its lane: deliveries after it about the same document wait for it.
 */
export async function resetWebhookDelivery(db: Handle, deliveryId: string): Promise<WebhookDeliveryRow> {
  return db
    .updateTable('webhook_deliveries')
    .set({ status: 'pending', next_attempt_at: new Date(), lease_until: null, settled_at: null })
    .where('id', '=', deliveryId)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export type LaneHead =
  | { kind: 'claimed'; delivery: WebhookDeliveryRow }
  | { kind: 'wait'; until: Date }
  | { kind: 'empty' };

/**
 * The first pending delivery of a lane, claimed for `leaseMs` when it is due and nobody
 * holds it; otherwise when to look again. Only the head of a lane is ever attempted, so
 * the lane's deliveries go out one at a time, in order.
 */
export async function claimLaneHead(
  db: Handle,
  lane: { webhookId: string; lane: string; leaseMs: number },
): Promise<LaneHead> {
  const result = await sql<WebhookDeliveryRow & { claimed: boolean }>`
    with head as (
      select id, next_attempt_at, lease_until from webhook_deliveries
       where webhook_id = ${lane.webhookId} and lane = ${lane.lane} and status = 'pending'
       order by seq limit 1
         for update
    ), claimed as (
      update webhook_deliveries d
         set lease_until = now() + ${lane.leaseMs} * interval '1 millisecond'
        from head
       where d.id = head.id
         and coalesce(head.next_attempt_at, now()) <= now()
         and coalesce(head.lease_until, now()) <= now()
      returning d.*
    )
    select claimed.*, true as claimed from claimed
    union all
    select d.*, false as claimed from webhook_deliveries d join head on d.id = head.id
     where not exists (select 1 from claimed)`.execute(db);
  const row = result.rows[0];
  if (!row) return { kind: 'empty' };
  const { claimed, ...delivery } = row;
  if (claimed) return { kind: 'claimed', delivery: delivery as WebhookDeliveryRow };
  const times = [delivery.next_attempt_at, delivery.lease_until]
    .filter((t): t is Date => t !== null)
    .map((t) => new Date(t).getTime());
  return { kind: 'wait', until: new Date(Math.max(Date.now(), ...times)) };
}

/** Records a 2xx: delivered; the endpoint is healthy again. */
export async function recordDeliverySuccess(
  db: Handle,
  delivery: { id: string; webhookId: string; status: number },
): Promise<void> {
  await db
    .updateTable('webhook_deliveries')
    .set((eb) => ({
      status: 'delivered',
      attempts: eb('attempts', '+', 1),
      last_status: delivery.status,
      last_error: null,
      next_attempt_at: null,
      lease_until: null,
      settled_at: new Date(),
    }))
    .where('id', '=', delivery.id)
    .execute();
  await db
    .updateTable('webhooks')
    .set({ failing_since: null })
    .where('id', '=', delivery.webhookId)
    .where('failing_since', 'is not', null)
    .execute();
}

/**
 * Records a failed attempt: retried at `retryAt`, or failed for good when there is none.
 * Returns for how long the endpoint has been failing, in milliseconds by the database's
 * clock (0 when this attempt is its first failure).
 */
export async function recordDeliveryFailure(
  db: Handle,
  delivery: { id: string; webhookId: string; status: number | null; error: string; retryAt: Date | null },
): Promise<number> {
  await db
    .updateTable('webhook_deliveries')
    .set((eb) => ({
      status: delivery.retryAt ? 'pending' : 'failed',
      attempts: eb('attempts', '+', 1),
      last_status: delivery.status,
      last_error: delivery.error.slice(0, 500),
      next_attempt_at: delivery.retryAt,
      lease_until: null,
      settled_at: delivery.retryAt ? null : new Date(),
    }))
    .where('id', '=', delivery.id)
    .execute();
  const row = await db
    .updateTable('webhooks')
    .set((eb) => ({ failing_since: eb.fn.coalesce('failing_since', sql<Date>`now()`) }))
    .where('id', '=', delivery.webhookId)
    .returning(sql<number>`extract(epoch from now() - failing_since) * 1000`.as('failing_ms'))
    .executeTakeFirst();
  return Number(row?.failing_ms ?? 0);
}

/** Disables an endpoint: its pending deliveries fail, and no new event reaches it. */
export async function disableWebhook(db: Handle, webhookId: string, reason: string): Promise<void> {
  await db
    .updateTable('webhooks')
    .set({ disabled_at: new Date() })
    .where('id', '=', webhookId)
    .where('disabled_at', 'is', null)
    .execute();
  await failPendingDeliveries(db, webhookId, reason);
}

/** Fails every pending delivery of an endpoint (disabled, or gone). */
export async function failPendingDeliveries(db: Handle, webhookId: string, reason: string): Promise<void> {
  await db
    .updateTable('webhook_deliveries')
    .set({
      status: 'failed',
      last_error: reason,
      next_attempt_at: null,
      lease_until: null,
      settled_at: new Date(),
    })
    .where('webhook_id', '=', webhookId)
    .where('status', '=', 'pending')
    .execute();
}

/** Deletes settled deliveries older than `before` (the log is kept for a while, not for ever). */
export async function pruneWebhookDeliveries(db: Handle, before: Date): Promise<number> {
  const result = await db
    .deleteFrom('webhook_deliveries')
    .where('settled_at', '<', before)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * Lanes whose first pending delivery is due (and not leased) since at least `overdueMs`:
 * their job was lost, or the worker holding them died.
 */
export async function listOverdueLanes(
  db: Handle,
  options: { overdueMs: number; limit: number },
): Promise<{ webhookId: string; lane: string }[]> {
  const result = await sql<{ webhook_id: string; lane: string }>`
    select webhook_id, lane from (
      select distinct on (webhook_id, lane) webhook_id, lane, next_attempt_at, lease_until, created_at
        from webhook_deliveries
       where status = 'pending'
       order by webhook_id, lane, seq) head
     where greatest(coalesce(next_attempt_at, created_at), coalesce(lease_until, created_at))
           < now() - ${options.overdueMs} * interval '1 millisecond'
     limit ${options.limit}`.execute(db);
  return result.rows.map((r) => ({ webhookId: r.webhook_id, lane: r.lane }));
}
