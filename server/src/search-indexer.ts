import { documentSearchIndexer } from '@folio/shared/commands';
import { type Db, listStaleSearchDocuments } from '@folio/shared/db';
import type { Logger } from '@folio/shared/logger';
import type { Hocuspocus } from '@hocuspocus/server';

export interface SearchIndexerConfiguration {
  /** Index once a document has been quiet this long… */
  quietMs: number;
  /** …or at the latest this long after its first unindexed edit (contract: 5 s). */
  maxDelayMs: number;
  /** How often to look for edits whose indexer died with its process (0: never). */
  sweepIntervalMs: number;
  /** A change this old without a newer search row was missed (well past maxDelayMs). */
  sweepSettledMs: number;
  /** How far back the sweep looks. */
  sweepLookbackMs: number;
}

// Edits reach markDirty through the audit summariser's pass (within about a second of
// their commit), so the debounce is shorter than the contract's 5 s by that much.
const defaults: SearchIndexerConfiguration = {
  quietMs: 800,
  maxDelayMs: 2_500,
  sweepIntervalMs: 1_000,
  // Past the pass-to-index delay, so the sweep never races the holder's own indexing.
  sweepSettledMs: 3_500,
  sweepLookbackMs: 10 * 60_000,
};

/** Documents re-indexed per sweep at most. */
const SWEEP_BATCH = 20;

/**
 * Keeps `document_search` current. Only the instance holding the audit summariser's job
 * indexes live edits: each pass reports the documents whose stored edits it covered and
 * they are marked dirty here, so two instances serving one document never both upsert
 * its search row (that was a measured lock queue). Indexing reads the in-memory
 * document when it is loaded here (converged, and measured 7–250× cheaper than loading
 * the stored state: `search-index-cost.load.test.ts`), otherwise the stored state,
 * debounced per document so typing costs one upsert every few seconds.
 *
 * That instance may die (SIGKILL) between a pass — which bumps `documents.updated_at` —
 * and indexing. The catch-up is the job queue's: each pass sends a `documents-changed`
 * job in its transaction, due after the debounce, and a worker indexes from the stored
 * state whatever is still behind then. Without a queue (tests) every instance sweeps
 * instead: once a second it asks Postgres for documents changed more than
 * `sweepSettledMs` ago whose search row is older than the change.
 */
export class SearchIndexer {
  private readonly configuration: SearchIndexerConfiguration;
  private readonly pending = new Map<string, { since: number; timer: NodeJS.Timeout }>();
  private readonly running = new Set<Promise<void>>();
  private sweepTimer: NodeJS.Timeout | undefined;
  private sweeping = false;

  constructor(
    private readonly deps: { db: Db; hocuspocus: Hocuspocus; log: Logger },
    configuration: Partial<SearchIndexerConfiguration> = {},
  ) {
    this.configuration = { ...defaults, ...configuration };
  }

  markDirty(documentId: string): void {
    const now = Date.now();
    const current = this.pending.get(documentId);
    if (current) clearTimeout(current.timer);
    const since = current?.since ?? now;
    const delay = Math.max(
      0,
      Math.min(this.configuration.quietMs, since + this.configuration.maxDelayMs - now),
    );
    const timer = setTimeout(() => this.run(documentId), delay);
    timer.unref();
    this.pending.set(documentId, { since, timer });
  }

  start(): void {
    if (this.sweepTimer || this.configuration.sweepIntervalMs <= 0) return;
    this.sweepTimer = setInterval(() => void this.sweep(), this.configuration.sweepIntervalMs);
    this.sweepTimer.unref();
  }

  stop(): void {
    clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
  }

  private async sweep(): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      const stale = await listStaleSearchDocuments(this.deps.db, {
        settledMs: this.configuration.sweepSettledMs,
        lookbackMs: this.configuration.sweepLookbackMs,
        limit: SWEEP_BATCH,
      });
      for (const documentId of stale) if (!this.pending.has(documentId)) this.run(documentId);
      await Promise.all(this.running);
    } catch (error) {
      this.deps.log.warn({ err: error }, 'search sweep failed');
    } finally {
      this.sweeping = false;
    }
  }

  /** Indexes everything pending now (shutdown). */
  async flush(): Promise<void> {
    for (const documentId of [...this.pending.keys()]) this.run(documentId);
    await Promise.all(this.running);
  }

  private run(documentId: string): void {
    const entry = this.pending.get(documentId);
    if (entry) clearTimeout(entry.timer);
    this.pending.delete(documentId);
    const task = this.index(documentId)
      .catch((error) => this.deps.log.warn({ err: error, documentId }, 'search indexing failed'))
      .finally(() => this.running.delete(task));
    this.running.add(task);
  }

  /**
   * From the in-memory document when it is still loaded; otherwise from the stored state.
   * The last client often disconnects right after typing, and Hocuspocus unloads the
   * document before the debounce fires: skipping it then would leave the committed edit
   * unsearchable until the next one.
   */
  private async index(documentId: string): Promise<void> {
    await documentSearchIndexer(this.deps.db, documentId, this.deps.hocuspocus.documents.get(documentId));
  }
}
