import type { Handle } from '../db/repositories/handle.js';
import type { JobQueue } from './job-queue.js';
import { type DocumentsChangedJob, QUEUES } from './queues.js';

/**
 * By then the collaboration node holding the summariser's job has indexed a changed
 * document (its debounce ends at most 2.5 s after the pass). A `documents-changed` job
 * is due this long after its pass and indexes only what is still behind — what an
 * instance that died did not index.
 */
export const SEARCH_SETTLE_SECONDS = 3.5;

/** Documents per job, so one pass over a huge backlog never builds one huge job. */
const DOCUMENTS_PER_JOB = 500;

/**
 * Sends, in the summariser pass's transaction, the jobs about the documents it covered:
 * they exist exactly when the pass's audit entries and `updated_at` bumps do, so no
 * change escapes the search catch-up and the maintenance schedule, whoever dies when.
 */
export async function announceChangedDocuments(
  jobs: JobQueue,
  trx: Handle,
  documentIds: readonly string[],
): Promise<void> {
  const batches: { data: DocumentsChangedJob; delaySeconds: number }[] = [];
  for (let start = 0; start < documentIds.length; start += DOCUMENTS_PER_JOB) {
    batches.push({
      data: { documentIds: documentIds.slice(start, start + DOCUMENTS_PER_JOB) },
      delaySeconds: SEARCH_SETTLE_SECONDS,
    });
  }
  await jobs.sendMany(QUEUES.documentsChanged, batches, { trx });
}
