import {
  claimLaneHead,
  type Db,
  disableWebhook,
  failPendingDeliveries,
  findWebhook,
  inTransaction,
  recordDeliveryFailure,
  recordDeliverySuccess,
} from '@folio/shared/db';
import { type JobQueue, QUEUES, type WebhookLaneJob, webhookLaneKey } from '@folio/shared/jobs';
import type { Logger } from '@folio/shared/logger';
import { nextAttemptAt, type RetryPolicy } from './retry-schedule.js';
import { attemptDelivery } from './webhook-sender.js';

export interface DelivererConfiguration {
  /** A 2xx must arrive within this. */
  timeoutMs: number;
  retry: RetryPolicy;
  /** An endpoint failing for this long is disabled (contract: 3 days). */
  disableAfterMs: number;
  /** A job stops taking further deliveries of its lane after this long (then continues in a new job). */
  jobBudgetMs: number;
  allowPrivateTargets: boolean;
}

export interface DelivererDeps {
  db: Db;
  jobs: JobQueue;
  log: Logger;
}

/**
 * Works one lane (one endpoint, one document): attempts its first pending delivery,
 * and the next ones while they succeed. Only the head of a lane is ever attempted (its
 * lease makes that exclusive across workers), so deliveries about one document reach an
 * endpoint in order, also while an earlier one is being retried. A head that is waiting
 * (its backoff, or another worker's lease) schedules this lane again for that time.
 *
 * A worker that dies mid-attempt leaves the lease to run out; the job then expires and
 * is retried, or the relay's repair sweep finds the overdue lane, and the next worker
 * sends the same delivery with the same `webhook-id`.
 */
export async function deliverLane(
  deps: DelivererDeps,
  configuration: DelivererConfiguration,
  lane: WebhookLaneJob,
  stopping: () => boolean = () => false,
): Promise<void> {
  const started = Date.now();
  const leaseMs = configuration.timeoutMs + 5_000;
  // A stopping worker finishes the attempt in progress and leaves the rest of the lane
  // to a new job (another worker, or this one's next start).
  while (Date.now() - started < configuration.jobBudgetMs && !stopping()) {
    const head = await claimLaneHead(deps.db, { ...lane, leaseMs });
    if (head.kind === 'empty') return;
    if (head.kind === 'wait') {
      await deps.jobs.send(QUEUES.webhookLane, lane, {
        startAfter: head.until,
        singletonKey: webhookLaneKey(lane),
      });
      return;
    }
    const delivery = head.delivery;
    const webhook = await findWebhook(deps.db, lane.webhookId);
    if (!webhook) return; // deleted: its deliveries went with it
    if (webhook.disabled_at) {
      await failPendingDeliveries(deps.db, webhook.id, 'the endpoint is disabled');
      return;
    }
    const outcome = await attemptDelivery(
      { url: webhook.url, secret: webhook.secret },
      { id: delivery.id, body: delivery.body },
      { timeoutMs: configuration.timeoutMs, allowPrivateTargets: configuration.allowPrivateTargets },
    );
    if (outcome.delivered) {
      await recordDeliverySuccess(deps.db, {
        id: delivery.id,
        webhookId: webhook.id,
        status: outcome.status ?? 200,
      });
      continue;
    }
    const now = new Date();
    const retryAt = nextAttemptAt(
      configuration.retry,
      delivery.attempts + 1,
      new Date(delivery.created_at),
      now,
    );
    const disabled = await inTransaction(deps.db, async (trx) => {
      const failingMs = await recordDeliveryFailure(trx, {
        id: delivery.id,
        webhookId: webhook.id,
        status: outcome.status,
        error: outcome.error ?? 'failed',
        retryAt,
      });
      if (failingMs < configuration.disableAfterMs) return false;
      const hours = (failingMs / 3_600_000).toFixed(1);
      await disableWebhook(trx, webhook.id, `the endpoint was disabled after failing for ${hours} h`);
      return true;
    });
    deps.log.info(
      {
        webhookId: webhook.id,
        deliveryId: delivery.id,
        status: outcome.status,
        error: outcome.error,
        retryAt,
        disabled,
      },
      'webhook delivery failed',
    );
    if (disabled) return;
    // The loop's next claim finds the head waiting for its retry and schedules it.
  }
  await deps.jobs.send(QUEUES.webhookLane, lane, { singletonKey: webhookLaneKey(lane) });
}
