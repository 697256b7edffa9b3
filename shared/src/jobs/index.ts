export * from './document-jobs.js';
export * from './job-queue.js';
export * from './queues.js';
