import { appendAuditEvent } from '../db/repositories/audit.js';
import { type Handle, inTransaction } from '../db/repositories/handle.js';
import { setWorkspaceSearchLanguage } from '../db/repositories/workspace-search.js';
import { findWorkspace, renameWorkspace } from '../db/repositories/workspaces.js';
import type { Workspace } from '../db/schema.js';
import { FolioError } from '../errors.js';
import type { JobQueue } from '../jobs/job-queue.js';
import { QUEUES, type SearchReindexJob } from '../jobs/queues.js';
import type { SearchLanguage } from '../search-language.js';

/**
 * Renames a workspace and/or changes its text search configuration. A new configuration
 * applies at once to rows written from now on; the reindex of the existing ones is a job
 * sent in the same transaction (so it exists exactly when the change does), one queued
 * per workspace. Until it has run, search parses queries with both configurations.
 */
export async function workspaceUpdater(
  db: Handle,
  input: {
    workspaceId: string;
    actorId: string;
    name?: string | undefined;
    searchLanguage?: SearchLanguage | undefined;
  },
  jobs: Pick<JobQueue, 'send'>,
): Promise<Workspace> {
  return inTransaction(db, async (trx) => {
    let workspace = await findWorkspace(trx, input.workspaceId);
    if (!workspace) throw new FolioError('NOT_FOUND', 'workspace not found');
    const details: Record<string, unknown> = {};
    if (input.name !== undefined && input.name !== workspace.name) {
      workspace = (await renameWorkspace(trx, workspace.id, input.name)) ?? workspace;
      details.renamed = true;
    }
    if (input.searchLanguage !== undefined && input.searchLanguage !== workspace.search_language) {
      details.searchLanguage = { from: workspace.search_language, to: input.searchLanguage };
      workspace = (await setWorkspaceSearchLanguage(trx, workspace.id, input.searchLanguage)) ?? workspace;
      const job: SearchReindexJob = { workspaceId: workspace.id };
      await jobs.send(QUEUES.searchReindex, job, { singletonKey: workspace.id, trx });
    }
    if (Object.keys(details).length > 0) {
      await appendAuditEvent(trx, {
        actorId: input.actorId,
        action: 'workspace.update',
        workspaceId: workspace.id,
        details,
      });
    }
    return workspace;
  });
}
