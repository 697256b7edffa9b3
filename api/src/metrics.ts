import { countUnsealedRows, type Db, type UnsealedCounts, webhookOutboxStats } from '@folio/shared/db';
import type { JobQueue, QueueStats } from '@folio/shared/jobs';
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** Queue figures are read at most this often (every API instance reports the cluster's queue). */
const JOB_STATS_TTL_MS = 5_000;

export function createApiMetrics(jobs?: JobQueue, db?: Db) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  let cached: { at: number; stats: Promise<QueueStats[]> } | undefined;
  const jobStats = () => {
    if (!jobs) return Promise.resolve([]);
    if (!cached || Date.now() - cached.at > JOB_STATS_TTL_MS) {
      cached = { at: Date.now(), stats: jobs.stats().catch(() => []) };
    }
    return cached.stats;
  };
  const jobGauge = (name: string, help: string, pick: (s: QueueStats) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['queue'],
      registers: [registry],
      async collect() {
        this.reset();
        for (const s of await jobStats()) this.set({ queue: s.queue }, pick(s));
      },
    });
  jobGauge(
    'folio_jobs_queued',
    'Jobs waiting in the durable queue (due now or later), by queue',
    (s) => s.queued,
  );
  jobGauge('folio_jobs_running', 'Jobs being worked on, by queue', (s) => s.running);
  jobGauge(
    'folio_jobs_failed',
    'Jobs failed for good (retries exhausted), still retained, by queue',
    (s) => s.failed,
  );
  jobGauge(
    'folio_jobs_oldest_age_seconds',
    'Age of the oldest due job not yet started, by queue (0: none waiting)',
    (s) => s.oldestSeconds,
  );
  // The sealer's progress: rows still unsealed, counted through partial indexes (empty
  // once it is done), at most this often.
  let unsealed: { at: number; counts: Promise<UnsealedCounts | undefined> } | undefined;
  new Gauge({
    name: 'folio_unsealed_rows',
    help: 'Rows written before encryption, not yet sealed by the background job, by table (capped at 1e6)',
    labelNames: ['table'],
    registers: [registry],
    async collect() {
      if (!db) return;
      if (!unsealed || Date.now() - unsealed.at > JOB_STATS_TTL_MS) {
        unsealed = { at: Date.now(), counts: countUnsealedRows(db).catch(() => undefined) };
      }
      const counts = await unsealed.counts;
      this.reset();
      for (const [table, n] of Object.entries(counts ?? {})) this.set({ table }, n);
    },
  });
  // The webhook outboxes grow while no worker relays them (see webhookOutboxStats).
  let outboxCached: { at: number; stats: ReturnType<typeof webhookOutboxStats> } | undefined;
  const outboxStats = () => {
    if (!db) return Promise.resolve([]);
    if (!outboxCached || Date.now() - outboxCached.at > JOB_STATS_TTL_MS) {
      outboxCached = { at: Date.now(), stats: webhookOutboxStats(db).catch(() => []) };
    }
    return outboxCached.stats;
  };
  new Gauge({
    name: 'folio_webhook_outbox_rows',
    help: 'Webhook events and document changes waiting for the relay (counted up to 100,000), by outbox',
    labelNames: ['outbox'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const s of await outboxStats()) this.set({ outbox: s.outbox }, s.rows);
    },
  });
  new Gauge({
    name: 'folio_webhook_outbox_oldest_age_seconds',
    help: 'Age of the oldest row waiting for the webhook relay, by outbox (0: none)',
    labelNames: ['outbox'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const s of await outboxStats()) this.set({ outbox: s.outbox }, s.oldestSeconds);
    },
  });
  return {
    registry,
    httpSeconds: new Histogram({
      name: 'folio_http_request_duration_seconds',
      help: 'REST API request duration by route and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
  };
}

export type ApiMetrics = ReturnType<typeof createApiMetrics>;
