import { CompiledQuery, sql } from 'kysely';
import { fromPglite, PgBoss } from 'pg-boss';
import { connectionSettings, type DatabaseHandle } from '../db/connect.js';
import type { Handle } from '../db/repositories/handle.js';
import type { Logger } from '../logger.js';
import { messagingAttributes, noopTracing, type Tracing } from '../tracing/index.js';
import { QUEUES, type QueueName, queueDefinitions } from './queues.js';

/**
 * The durable job queue: pg-boss on Folio's own database. Chosen over graphile-worker
 * because it runs on the embedded PGlite as well (its own PGlite adapter, no socket
 * server in between; graphile-worker needs a pg Pool and a LISTEN connection), and its
 * `db` option sends a job inside a transaction of ours, so a job exists exactly when the
 * rows it is about do. It brings retries with backoff, expiry of jobs whose worker died,
 * per-key deduplication (`short` policy: one queued job per singleton key) and cron.
 */

export interface SendOptions {
  startAfter?: Date | undefined;
  singletonKey?: string | undefined;
  /** Send inside this transaction: the job commits (or rolls back) with it. */
  trx?: Handle | undefined;
}

export interface QueueStats {
  queue: QueueName;
  /** Waiting, due now or later. */
  queued: number;
  running: number;
  /** Failed for good (retries exhausted), still retained. */
  failed: number;
  /** Age of the oldest job that is due and not yet started, in seconds (0: none). */
  oldestSeconds: number;
}

export interface JobToSend {
  data: object;
  singletonKey?: string | undefined;
  /** Due this many seconds after the database's now(). */
  delaySeconds?: number | undefined;
}

export interface JobQueue {
  send(queue: QueueName, data: object, options?: SendOptions): Promise<void>;
  /**
   * Many jobs in one statement; a job whose singleton key already waits is dropped. With
   * `trx`, they commit (or roll back) with it.
   */
  sendMany(queue: QueueName, jobs: JobToSend[], options?: { trx?: Handle | undefined }): Promise<void>;
  /**
   * True once start() has finished. A sender holding a transaction checks it first: on
   * the embedded database (one connection) waiting for start() inside a transaction
   * would wait for itself.
   */
  readonly started: boolean;
  /** Runs `handler` for jobs of `queue`, up to `concurrency` at a time in this process. A throw retries the job. */
  work<T>(
    queue: QueueName,
    options: {
      concurrency: number /** How often to look for deferred jobs (NOTIFY wakes for new ones). */;
      pollSeconds: number;
    },
    handler: (data: T) => Promise<void>,
  ): Promise<void>;
  /** Stops fetching jobs of `queue` in this process; running handlers finish on their own. */
  stopWork(queue: QueueName): Promise<void>;
  /** A cron schedule (one per queue, cluster-wide) that sends `data` to `queue`. */
  schedule(queue: QueueName, cron: string, data: object): Promise<void>;
  stats(): Promise<QueueStats[]>;
  /** Installs or upgrades the queue's schema, creates the queues. */
  start(): Promise<void>;
  /** Stops fetching, waits for running handlers (up to `graceMs`). Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

export interface JobQueueOptions {
  /** `worker`: also supervises (expiry, retention) and runs cron schedules. */
  role: 'client' | 'worker';
  /** Connections of its own on Postgres (the embedded database has one). */
  poolSize?: number;
  /** A producer span per job sent within a traced request, a consumer span per job run. */
  tracing?: Tracing | undefined;
}

const SCHEMA = 'pgboss';

/** pg-boss statements through a Kysely transaction of ours. */
function inTransactionDb(trx: Handle) {
  return {
    async executeSql(text: string, values?: unknown[]) {
      const result = await trx.executeQuery(CompiledQuery.raw(text, values ?? []));
      return { rows: [...result.rows] as unknown[] as Record<string, unknown>[] };
    },
  };
}

export function createJobQueue(database: DatabaseHandle, log: Logger, options: JobQueueOptions): JobQueue {
  const worker = options.role === 'worker';
  const tracing = options.tracing ?? noopTracing;
  const common = {
    schema: SCHEMA,
    supervise: worker,
    schedule: worker,
    migrate: true,
    // Workers are woken by NOTIFY when a job is sent (one listening connection each).
    useListenNotify: worker,
    persistWarnings: false,
  };
  let boss: PgBoss;
  if (database.kind === 'pglite') {
    if (!database.pglite) throw new Error('the embedded database handle has no PGlite instance');
    boss = new PgBoss({ ...common, backend: 'pglite', db: fromPglite(database.pglite) });
  } else {
    if (!database.connection) throw new Error('the database handle has no connection URL');
    boss = new PgBoss({
      ...common,
      ...connectionSettings(database.connection.url, database.connection.caFile),
      max: options.poolSize ?? 3,
      application_name: 'folio-jobs',
    });
  }
  // An EventEmitter 'error' without a listener would end the process.
  boss.on('error', (error) => log.warn({ err: error }, 'job queue error'));
  let started: Promise<void> | undefined;
  let startedDone = false;
  let stopped = false;
  /** Calls made while start() runs wait for it (a launcher may serve requests meanwhile). */
  const ready = () => started ?? Promise.reject(new Error('the job queue is not started'));

  return {
    async send(queue, data, sendOptions = {}) {
      await ready();
      const started = performance.now();
      const id = await boss.send(queue, data, {
        ...(sendOptions.startAfter ? { startAfter: sendOptions.startAfter } : {}),
        ...(sendOptions.singletonKey ? { singletonKey: sendOptions.singletonKey } : {}),
        ...(sendOptions.trx ? { db: inTransactionDb(sendOptions.trx) } : {}),
      });
      // Only within a traced request or job: the relay's background sends are no trace.
      tracing.recordSpan(`send ${queue}`, {
        kind: 'producer',
        childOnly: true,
        durationMs: performance.now() - started,
        attributes: messagingAttributes({
          system: 'pg-boss',
          operation: 'send',
          destination: queue,
          messageId: id ?? undefined,
        }),
      });
    },
    async sendMany(queue, jobs, sendOptions = {}) {
      if (jobs.length === 0) return;
      await ready();
      await boss.insert(
        queue,
        jobs.map((job) => ({
          data: job.data,
          ...(job.singletonKey ? { singletonKey: job.singletonKey } : {}),
          // An interval: resolved against the database's clock, as documents' timestamps are.
          ...(job.delaySeconds ? { startAfter: `${job.delaySeconds} seconds` } : {}),
        })),
        sendOptions.trx ? { db: inTransactionDb(sendOptions.trx) } : {},
      );
    },
    get started() {
      return startedDone && !stopped;
    },
    async work<T>(
      queue: QueueName,
      workOptions: { concurrency: number; pollSeconds: number },
      handler: (data: T) => Promise<void>,
    ) {
      await ready();
      await boss.work<T>(
        queue,
        {
          // Jobs are fetched in batches whose jobs run side by side (two fetch loops of
          // half the concurrency each); a full batch is followed by the next fetch at
          // once, otherwise pg-boss waits a polling interval (unless woken by a NOTIFY).
          localConcurrency: workOptions.concurrency > 1 ? 2 : 1,
          batchSize: Math.max(1, Math.ceil(workOptions.concurrency / 2)),
          burstWhenBatchFull: true,
          // Deferred jobs (retries) are due without a NOTIFY: they wait for the next poll.
          pollingIntervalSeconds: workOptions.pollSeconds,
          notifyPollingIntervalSeconds: workOptions.pollSeconds,
        },
        async (batch) => {
          // Each job a trace of its own (its queries nest in it): a batch serves many senders.
          const run = (job: (typeof batch)[number]) =>
            tracing.inSpan(
              `process ${queue}`,
              {
                kind: 'consumer',
                root: true,
                attributes: messagingAttributes({
                  system: 'pg-boss',
                  operation: 'process',
                  destination: queue,
                  messageId: job.id,
                }),
              },
              () => handler(job.data),
            );
          const outcomes = await Promise.allSettled(batch.map(run));
          const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
          // The whole batch is retried: jobs are idempotent, the ones that succeeded find nothing to do.
          if (failed) throw failed.reason;
        },
      );
    },
    async stopWork(queue) {
      if (!stopped) await boss.offWork(queue, { wait: false });
    },
    async schedule(queue, cron, data) {
      await ready();
      await boss.schedule(queue, cron, data);
    },
    async stats() {
      await ready();
      const queues = await boss.getQueues(Object.values(QUEUES));
      const oldest = await sql<{ name: string; seconds: number }>`
        select name, extract(epoch from now() - min(created_on))::float8 as seconds
          from ${sql.table(`${SCHEMA}.job`)}
         where state in ('created', 'retry') and start_after <= now()
         group by name`
        .execute(database.db)
        .then((r) => new Map(r.rows.map((row) => [row.name, Number(row.seconds)])));
      return queues.map((q) => ({
        queue: q.name as QueueName,
        queued: q.queuedCount,
        running: q.activeCount,
        failed: q.failedCount,
        oldestSeconds: oldest.get(q.name) ?? 0,
      }));
    },
    start() {
      started ??= (async () => {
        await boss.start();
        const existing = new Set((await boss.getQueues()).map((q) => q.name));
        for (const [name, definition] of Object.entries(queueDefinitions)) {
          if (existing.has(name)) continue;
          await boss.createQueue(name, definition).catch(async (error: unknown) => {
            // Another process created it meanwhile.
            if (!(await boss.getQueue(name))) throw error;
          });
        }
        startedDone = true;
      })();
      return started;
    },
    async stop(graceMs = 5_000) {
      if (stopped || !started) return;
      stopped = true;
      await started.catch(() => {});
      await boss.stop({ graceful: true, timeout: graceMs, close: true });
    },
  };
}
