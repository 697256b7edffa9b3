/**
 * Composition root of a stand-alone worker (`pnpm --filter ./worker start`): webhook
 * deliveries and erasure requests from the job queue. Run any number of them against one
 * Postgres; the embedded database is `pnpm start`'s alone (it runs a worker in-process).
 */
import { createCollabBus } from '@folio/shared';
import { versionPolicyFromConfig } from '@folio/shared/commands';
import { loadConfigOrExit } from '@folio/shared/config';
import { createJobQueue } from '@folio/shared/jobs';
import { routeConsoleToLogger } from '@folio/shared/logger';
import { openInfrastructure, stopOnSignals } from '@folio/shared/runtime';
import { workerConfigSchema } from './config.js';
import { startWorkerHealthServer } from './health-server.js';
import { createWorker } from './worker.js';

const config = loadConfigOrExit(workerConfigSchema);
const infra = await openInfrastructure(config, 'folio-worker');
routeConsoleToLogger(infra.log);
const jobs = createJobQueue(infra.database, infra.log, { role: 'worker', tracing: infra.tracing });
await jobs.start();
const bus = createCollabBus({
  redis: infra.redis,
  prefix: config.REDIS_KEY_PREFIX,
  log: infra.log,
  tracing: infra.tracing,
});
const worker = createWorker(
  {
    db: infra.database.db,
    jobs,
    log: infra.log,
    bus,
    redis: infra.redis,
    redisPrefix: config.REDIS_KEY_PREFIX,
  },
  {
    debounceMs: config.WEBHOOK_DEBOUNCE_MS,
    allowPrivateTargets: config.WEBHOOK_ALLOW_PRIVATE_TARGETS,
    deliveryConcurrency: config.WORKER_CONCURRENCY,
    versions: versionPolicyFromConfig(config),
  },
);
await worker.start();
const health =
  config.WORKER_PORT === undefined
    ? undefined
    : await startWorkerHealthServer(
        { db: infra.database.db, redis: infra.redis, metricsToken: config.METRICS_TOKEN },
        { host: config.HOST, port: config.WORKER_PORT },
      );
infra.log.info(health ? { port: health.port } : {}, 'worker running');
stopOnSignals(infra.log, async () => {
  await health?.close();
  await worker.stop();
  await jobs.stop(8_000);
  await bus.close();
  await infra.close();
});
