/**
 * Test support: a worker process with short timings (`node e2e/dist/worker-child.js`),
 * for tests that kill one with SIGKILL mid-delivery. DATABASE_URL names the database.
 */
import { openKeyring } from '@folio/shared/crypto';
import { openDatabase } from '@folio/shared/db';
import { createJobQueue } from '@folio/shared/jobs';
import { createLogger } from '@folio/shared/logger';
import { createWorker } from '@folio/worker';

const url = process.env.DATABASE_URL;
if (!url) throw new Error('DATABASE_URL is required');
const log = createLogger({ level: 'warn', name: 'worker-child' });
const keyring = await openKeyring({ DATA_DIR: '.', KEY_FILE: process.env.KEY_FILE, ENCRYPTION: true });
const database = await openDatabase({ url, keyring, dataDir: '.', poolSize: 3, log });
const jobs = createJobQueue(database, log, { role: 'worker', poolSize: 2 });
await jobs.start();
const worker = createWorker(
  { db: database.db, jobs, log },
  {
    debounceMs: 200,
    allowPrivateTargets: true,
    relayIntervalMs: 50,
    repairAfterMs: 500,
    deliveryTimeoutMs: 1_500,
  },
);
await worker.start();
process.stdout.write('worker ready\n');
