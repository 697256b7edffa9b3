import { workspaceSearchReindexer } from '@folio/shared/commands';
import type { Db } from '@folio/shared/db';
import { type JobQueue, QUEUES, type SearchReindexJob } from '@folio/shared/jobs';
import type { Logger } from '@folio/shared/logger';

/**
 * Takes `search-reindex` jobs: a workspace's search rows rebuilt after its text search
 * configuration changed. One at a time per worker process — a reindex is a long write,
 * and search stays correct meanwhile. A job cut short (stop, crash) is retried and
 * redoes only the rows still behind.
 */
export function searchReindexWork(deps: { db: Db; jobs: JobQueue; log: Logger }, stopped: () => boolean) {
  return deps.jobs.work<SearchReindexJob>(
    QUEUES.searchReindex,
    { concurrency: 1, pollSeconds: 5 },
    async (job) => {
      const started = Date.now();
      const outcome = await workspaceSearchReindexer(deps.db, job.workspaceId, { stopped });
      deps.log.info(
        { workspaceId: job.workspaceId, ...outcome, ms: Date.now() - started },
        'workspace search reindexed',
      );
    },
  );
}
