import type { CollabBus } from '@folio/shared';
import {
  defaultVersionPolicy,
  erasureRequestRunner,
  existingDataSealer,
  type VersionPolicy,
} from '@folio/shared/commands';
import { type Db, pruneWebhookDeliveries } from '@folio/shared/db';
import {
  type DocumentMaintenanceJob,
  type DocumentsChangedJob,
  type ErasureJob,
  type JobQueue,
  QUEUES,
  type SealingJob,
  type WebhookLaneJob,
} from '@folio/shared/jobs';
import type { Logger } from '@folio/shared/logger';
import type { Redis } from '@folio/shared/redis';
import {
  type DocumentJobsConfiguration,
  documentMaintenanceHandler,
  documentsChangedHandler,
} from './document-jobs.js';
import { defaultRetryPolicy, type RetryPolicy } from './retry-schedule.js';
import { searchReindexWork } from './search-reindex-work.js';
import { type DelivererConfiguration, deliverLane } from './webhook-deliverer.js';
import { RELAY_BATCH, relayWebhookEvents, repairOverdueLanes } from './webhook-relay.js';

export interface WorkerConfiguration {
  /** `WEBHOOK_DEBOUNCE_MS`: at most one `document.updated` per document per this. */
  debounceMs: number;
  /** `WEBHOOK_ALLOW_PRIVATE_TARGETS`. */
  allowPrivateTargets: boolean;
  /** How often the outboxes are drained (the latency an event adds before its job). */
  relayIntervalMs: number;
  /** A lane whose head is this overdue gets a job again (lost job, dead worker). */
  repairAfterMs: number;
  /** A 2xx must arrive within this (contract: 10 s). */
  deliveryTimeoutMs: number;
  retry: RetryPolicy;
  /** Contract: an endpoint failing for 3 days is disabled. */
  disableAfterMs: number;
  /** Settled deliveries are kept in the log this long. */
  keepDeliveriesMs: number;
  /** Lane jobs run at once per worker process. */
  deliveryConcurrency: number;
  /** How long one pass of the existing-data sealer works before queuing the next. */
  sealingPassMs: number;
  /** Automatic versions and their retention (`VERSION_*`). */
  versions: VersionPolicy;
  /** Maintenance (compaction, retention) of an edited document when automatic versions are off. */
  maintenanceDelayMs: number;
}

const defaults: WorkerConfiguration = {
  debounceMs: 5_000,
  allowPrivateTargets: false,
  relayIntervalMs: 250,
  repairAfterMs: 30_000,
  deliveryTimeoutMs: 10_000,
  retry: defaultRetryPolicy,
  disableAfterMs: 3 * 24 * 60 * 60 * 1000,
  keepDeliveriesMs: 30 * 24 * 60 * 60 * 1000,
  deliveryConcurrency: 16,
  sealingPassMs: 20_000,
  versions: defaultVersionPolicy,
  maintenanceDelayMs: 10 * 60 * 1000,
};

export interface WorkerDeps {
  db: Db;
  jobs: JobQueue;
  log: Logger;
  /** For erasures: revocations reach the collaboration instances. */
  bus?: CollabBus | undefined;
  redis?: Redis | undefined;
  redisPrefix?: string | undefined;
}

/** Erasure requests handled per job before it yields (a new job continues). */
const ERASURES_PER_JOB = 20;

/**
 * The background worker: webhook deliveries, erasure requests, search catch-up and
 * document maintenance (compaction, automatic versions, retention) on the job queue, and
 * the relay that moves recorded webhook events onto it. Any number may run against one
 * database; each job is idempotent (deliveries are claimed by lease, erasure requests
 * with SKIP LOCKED).
 */
export function createWorker(deps: WorkerDeps, configuration: Partial<WorkerConfiguration> = {}) {
  const config: WorkerConfiguration = { ...defaults, ...configuration };
  const deliverer: DelivererConfiguration = {
    timeoutMs: config.deliveryTimeoutMs,
    retry: config.retry,
    disableAfterMs: config.disableAfterMs,
    jobBudgetMs: 3 * config.deliveryTimeoutMs,
    allowPrivateTargets: config.allowPrivateTargets,
  };
  let timer: NodeJS.Timeout | undefined;
  let pass: Promise<void> | undefined;
  let stopped = false;
  let lastRepair = 0;
  let lastPrune = 0;

  const relayPass = async () => {
    // Back to back while a pass moves a full batch: a backlog drains without waiting.
    while (
      !stopped &&
      (await relayWebhookEvents({ ...deps, debounceMs: config.debounceMs })) >= RELAY_BATCH
    ) {}
    const now = Date.now();
    if (now - lastRepair >= Math.min(config.repairAfterMs, 5_000)) {
      lastRepair = now;
      const repaired = await repairOverdueLanes({ ...deps, overdueMs: config.repairAfterMs });
      if (repaired > 0) deps.log.info({ lanes: repaired }, 'webhook lanes rescheduled');
    }
    if (now - lastPrune >= 60 * 60 * 1000) {
      lastPrune = now;
      await pruneWebhookDeliveries(deps.db, new Date(now - config.keepDeliveriesMs));
    }
  };

  const tick = () => {
    if (pass || stopped) return;
    pass = relayPass()
      .catch((error) => deps.log.warn({ err: error }, 'webhook relay pass failed; retrying'))
      .finally(() => {
        pass = undefined;
      });
  };

  const drainErasures = async () => {
    for (let i = 0; i < ERASURES_PER_JOB; i++) {
      const outcome = await erasureRequestRunner(deps.db, {
        bus: deps.bus,
        redis: deps.redis,
        redisPrefix: deps.redisPrefix,
        log: deps.log,
      });
      if (!outcome) return;
      deps.log.info(
        { requestId: outcome.request.id, status: outcome.error ? 'failed' : 'done' },
        'erasure request processed',
      );
    }
    await deps.jobs.send(QUEUES.erasure, {}, { singletonKey: 'drain' });
  };

  const sealingPass = async () => {
    const sealing = await existingDataSealer(deps.db, {
      budgetMs: config.sealingPassMs,
      stopping: () => stopped,
    });
    deps.log.info({ sealed: sealing.sealed, more: sealing.more }, 'sealing pass');
    if (sealing.more && !stopped) await deps.jobs.send(QUEUES.sealing, {}, { singletonKey: 'pass' });
  };

  return {
    config,
    async start(): Promise<void> {
      const documents: DocumentJobsConfiguration = {
        versions: config.versions,
        maintenanceDelayMs: config.maintenanceDelayMs,
      };
      const steps: (() => Promise<void>)[] = [
        () =>
          deps.jobs.work<WebhookLaneJob>(
            QUEUES.webhookLane,
            // Retries are deferred jobs: found within a second of being due.
            { concurrency: config.deliveryConcurrency, pollSeconds: 1 },
            (lane) => deliverLane(deps, deliverer, lane, () => stopped),
          ),
        () => deps.jobs.work<ErasureJob>(QUEUES.erasure, { concurrency: 1, pollSeconds: 5 }, drainErasures),
        () =>
          deps.jobs.work<DocumentsChangedJob>(
            QUEUES.documentsChanged,
            { concurrency: 2, pollSeconds: 1 },
            (job) => documentsChangedHandler(deps, documents, job),
          ),
        // Loading and encoding a document: a couple at a time, so it never crowds deliveries out.
        () =>
          deps.jobs.work<DocumentMaintenanceJob>(
            QUEUES.documentMaintenance,
            { concurrency: 2, pollSeconds: 5 },
            (job) => documentMaintenanceHandler(deps, documents, job),
          ),
        () => searchReindexWork(deps, () => stopped),
        // Requests left by a process that died, and stale running ones: every minute.
        () => deps.jobs.schedule(QUEUES.erasure, '* * * * *', {}),
        // Search rows no pass announced (a write whose process died before indexing).
        () => deps.jobs.schedule(QUEUES.documentsChanged, '* * * * *', { documentIds: [], sweep: true }),
        () => deps.jobs.send(QUEUES.erasure, {}, { singletonKey: 'drain' }),
        // Existing data written unsealed: one bounded pass per job, each queuing the next
        // while rows are left; a pass on a sealed database finds nothing and ends.
        () => deps.jobs.work<SealingJob>(QUEUES.sealing, { concurrency: 1, pollSeconds: 5 }, sealingPass),
        () => deps.jobs.send(QUEUES.sealing, {}, { singletonKey: 'pass' }),
      ];
      // A stop() while starting (a signal right after launch) ends the start between steps.
      for (const step of steps) {
        if (stopped) return;
        await step();
      }
      if (stopped) return;
      timer = setInterval(tick, config.relayIntervalMs);
      timer.unref();
      tick();
    },
    /**
     * Stops taking work and waits for the relay pass in progress. Deliveries being
     * attempted finish within their timeout; one cut short by the process exiting is
     * sent again by the next worker (same webhook-id). Idempotent.
     */
    async stop(): Promise<void> {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      timer = undefined;
      await Promise.all(
        [
          QUEUES.webhookLane,
          QUEUES.erasure,
          QUEUES.documentsChanged,
          QUEUES.documentMaintenance,
          QUEUES.searchReindex,
          QUEUES.sealing,
        ].map((queue) => deps.jobs.stopWork(queue)),
      );
      await pass;
    },
    /** One relay pass now (tests). */
    relay: () => relayPass(),
  };
}

export type Worker = ReturnType<typeof createWorker>;
