import { type Handle, inTransaction } from '../db/repositories/handle.js';
import {
  reindexWorkspaceSearchBatch,
  settleWorkspaceSearchLanguages,
} from '../db/repositories/workspace-search.js';

export interface ReindexOutcome {
  /** Search rows rebuilt with the workspace's configuration. */
  changed: number;
  /** Passes over the workspace: more than one when rows were written behind the first. */
  passes: number;
}

/** Rows rebuilt per transaction: short row locks against the indexer, ~100 ms each. */
export const REINDEX_BATCH = 500;
/** A workspace written to faster than the reindex keeps up gives up here (the job retries). */
const MAX_PASSES = 5;

/**
 * Rebuilds a workspace's search rows with its current text search configuration, a batch
 * per transaction, then narrows the configurations search still has to parse queries
 * with to that one. Search stays correct throughout: each row is matched with its own
 * configuration. Idempotent, safe to run twice at once (the second finds nothing to do),
 * and a later language change simply needs another run.
 */
export async function workspaceSearchReindexer(
  db: Handle,
  workspaceId: string,
  options: { batch?: number; stopped?: () => boolean } = {},
): Promise<ReindexOutcome> {
  const batch = options.batch ?? REINDEX_BATCH;
  let changed = 0;
  for (let passes = 1; passes <= MAX_PASSES; passes++) {
    let after: string | undefined = '';
    while (after !== undefined) {
      if (options.stopped?.()) throw new Error('search reindex stopped; the job is retried');
      const step = await reindexWorkspaceSearchBatch(db, workspaceId, after, batch);
      changed += step.changed;
      after = step.last;
    }
    // Rows written with the old configuration by a transaction that read it before the
    // change committed are found here and make another pass.
    if (await inTransaction(db, (trx) => settleWorkspaceSearchLanguages(trx, workspaceId))) {
      return { changed, passes };
    }
  }
  throw new Error(`search rows of workspace ${workspaceId} still behind after ${MAX_PASSES} passes`);
}
