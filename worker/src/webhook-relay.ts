import { newId } from '@folio/shared';
import {
  type Db,
  insertWebhookDeliveries,
  inTransaction,
  listOverdueLanes,
  listSubscribedWebhooks,
  lockWebhookRelay,
  type OutboxEvent,
  takeDueDocumentChanges,
  takeWebhookEvents,
  type WebhookRow,
} from '@folio/shared/db';
import { type JobQueue, QUEUES, type WebhookLaneJob, webhookLaneKey } from '@folio/shared/jobs';

/** Events moved per relay pass (a backlog takes several passes, back to back). */
export const RELAY_BATCH = 200;

/**
 * Moves recorded events (and document changes that are `debounceMs` old, as
 * `document.updated`) from the outboxes into the delivery log, one delivery per event
 * and subscribed endpoint, and puts one job per touched lane on the queue — all in one
 * transaction, so an event is delivered exactly when its deliveries exist, and a pass
 * that fails leaves the outbox as it was. One pass at a time cluster-wide (advisory
 * lock), so deliveries get their order (seq) in the order the events were recorded.
 * Returns the number of events moved; 0 also when another worker holds the pass.
 */
export async function relayWebhookEvents(deps: {
  db: Db;
  jobs: JobQueue;
  debounceMs: number;
}): Promise<number> {
  return inTransaction(deps.db, async (trx) => {
    if (!(await lockWebhookRelay(trx))) return 0;
    const events: OutboxEvent[] = [
      ...(await takeWebhookEvents(trx, RELAY_BATCH)),
      ...(await takeDueDocumentChanges(trx, { debounceMs: deps.debounceMs, limit: RELAY_BATCH })),
    ];
    if (events.length === 0) return 0;
    const subscribers = new Map<string, WebhookRow[]>();
    const deliveries: Parameters<typeof insertWebhookDeliveries>[1] = [];
    const lanes = new Map<string, WebhookLaneJob>();
    for (const event of events) {
      const key = `${event.workspaceId} ${event.type}`;
      let webhooks = subscribers.get(key);
      if (!webhooks) {
        webhooks = await listSubscribedWebhooks(trx, event.workspaceId, event.type);
        subscribers.set(key, webhooks);
      }
      const body = JSON.stringify({
        type: event.type,
        timestamp: event.createdAt.toISOString(),
        data: event.data,
      });
      for (const webhook of webhooks) {
        const id = `msg_${newId().replaceAll('-', '')}`;
        const lane = { webhookId: webhook.id, lane: event.documentId ?? id };
        deliveries.push({ id, webhookId: webhook.id, lane: lane.lane, type: event.type, body });
        lanes.set(webhookLaneKey(lane), lane);
      }
    }
    await insertWebhookDeliveries(trx, deliveries);
    for (const [singletonKey, lane] of lanes) {
      await deps.jobs.send(QUEUES.webhookLane, lane, { singletonKey, trx });
    }
    return events.length;
  });
}

/**
 * Lanes whose head should have been attempted `overdueMs` ago — a lost job, or a worker
 * that died holding the lease — get a job again (the queue deduplicates per lane).
 */
export async function repairOverdueLanes(deps: {
  db: Db;
  jobs: JobQueue;
  overdueMs: number;
}): Promise<number> {
  const lanes = await listOverdueLanes(deps.db, { overdueMs: deps.overdueMs, limit: RELAY_BATCH });
  for (const lane of lanes) {
    await deps.jobs.send(QUEUES.webhookLane, lane, { singletonKey: webhookLaneKey(lane) });
  }
  return lanes.length;
}
