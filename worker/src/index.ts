export { type WorkerConfig, workerConfigSchema } from './config.js';
export { defaultRetryPolicy, nextAttemptAt, type RetryPolicy } from './retry-schedule.js';
export { relayWebhookEvents, repairOverdueLanes } from './webhook-relay.js';
export { attemptDelivery } from './webhook-sender.js';
export { createWorker, type Worker, type WorkerConfiguration, type WorkerDeps } from './worker.js';
