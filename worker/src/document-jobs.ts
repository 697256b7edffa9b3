import { documentMaintainer, documentSearchIndexer, type VersionPolicy } from '@folio/shared/commands';
import {
  type Db,
  findStaleSearchDocuments,
  listRecentlyChangedDocuments,
  listStaleSearchDocuments,
} from '@folio/shared/db';
import {
  type DocumentMaintenanceJob,
  type DocumentsChangedJob,
  type JobQueue,
  QUEUES,
  SEARCH_SETTLE_SECONDS,
} from '@folio/shared/jobs';
import type { Logger } from '@folio/shared/logger';

export interface DocumentJobsConfiguration {
  versions: VersionPolicy;
  /** Maintenance of a document edited with automatic versions off (compaction, retention). */
  maintenanceDelayMs: number;
}

interface Deps {
  db: Db;
  jobs: JobQueue;
  log: Logger;
}

/**
 * A change this old without a current search row was missed: its job is due
 * SEARCH_SETTLE_SECONDS after the pass, and the database clock decides both, so half a
 * second of margin is only for the job being picked up early within a poll.
 */
const SETTLED_MS = SEARCH_SETTLE_SECONDS * 1000 - 500;
/** The backstop sweep: how far back it looks, and how many documents per run. */
const SWEEP_LOOKBACK_MS = 10 * 60_000;
const SWEEP_BATCH = 200;
/** The sweep's maintenance backstop: documents changed this recently, at most this many per run. */
const SWEEP_CHANGED_MS = 2 * 60_000;
const SWEEP_CHANGED_BATCH = 1_000;

/**
 * `documents-changed`: the search catch-up, and the maintenance schedule.
 *
 * Search text is computed on the collaboration node that holds the summariser's job,
 * from its in-memory document (measured 7–250× cheaper than loading the stored state;
 * see the worker README). This job only indexes what is still behind once that should
 * have happened — an instance that died between the pass and its debounce — from the
 * stored state. A document changed again since is skipped: the later pass sent a later
 * job.
 *
 * The once-a-minute sweep (`sweep: true`) is the backstop for what no pass announced — a
 * forced pass (a document deletion runs one) covers other documents' rows without a
 * queue: it indexes any settled stale row of the last 10 minutes and schedules
 * maintenance for every document changed in the last 2 (a document whose maintenance
 * already waits keeps that one).
 */
export async function documentsChangedHandler(
  deps: Deps,
  config: DocumentJobsConfiguration,
  job: DocumentsChangedJob,
): Promise<void> {
  const missed = job.sweep
    ? await listStaleSearchDocuments(deps.db, {
        settledMs: SETTLED_MS,
        lookbackMs: SWEEP_LOOKBACK_MS,
        limit: SWEEP_BATCH,
      })
    : (await findStaleSearchDocuments(deps.db, job.documentIds, SETTLED_MS))
        .filter((d) => d.settled)
        .map((d) => d.id);
  for (const documentId of missed) await documentSearchIndexer(deps.db, documentId);
  if (missed.length > 0) deps.log.info({ documents: missed.length }, 'search rows caught up');
  const changed = job.sweep
    ? await listRecentlyChangedDocuments(deps.db, SWEEP_CHANGED_MS, SWEEP_CHANGED_BATCH)
    : job.documentIds;
  const delayMs = config.versions.autoEveryMs || config.maintenanceDelayMs;
  // One waiting job per document: edits meanwhile fold into it.
  await deps.jobs.sendMany(
    QUEUES.documentMaintenance,
    changed.map((documentId) => ({
      data: { documentId } satisfies DocumentMaintenanceJob,
      singletonKey: documentId,
      delaySeconds: delayMs / 1000,
    })),
  );
}

/** `document-maintenance`: compaction, automatic version and retention of one document. */
export async function documentMaintenanceHandler(
  deps: Deps,
  config: DocumentJobsConfiguration,
  job: DocumentMaintenanceJob,
): Promise<void> {
  const outcome = await documentMaintainer(deps.db, job.documentId, config.versions);
  if (outcome && (outcome.versionId || outcome.pruned > 0)) {
    deps.log.debug({ documentId: job.documentId, ...outcome }, 'document maintained');
  }
}
