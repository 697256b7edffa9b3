export * from './document-jobs.js';
export * from './job-queue.js';
