import { documentSearchIndexer } from '@folio/shared/commands';
import type { Db } from '@folio/shared/db';
import type { Logger } from '@folio/shared/logger';
import type { Hocuspocus } from '@hocuspocus/server';

export interface SearchIndexerConfiguration {
  /** Index once a document has been quiet this long… */
  quietMs: number;
  /** …or at the latest this long after its first unindexed edit (contract: 5 s). */
  maxDelayMs: number;
}

const defaults: SearchIndexerConfiguration = { quietMs: 1_000, maxDelayMs: 3_000 };

/**
 * Keeps `document_search` current for documents edited through this instance. Indexing
 * reads the in-memory document (it is converged, and cheaper than Postgres), debounced
 * per document so typing costs one upsert every few seconds, not one per keystroke.
 * Only the instance that committed an edit indexes it.
 */
export class SearchIndexer {
  private readonly configuration: SearchIndexerConfiguration;
  private readonly pending = new Map<string, { since: number; timer: NodeJS.Timeout }>();
  private readonly running = new Set<Promise<void>>();

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

  private async index(documentId: string): Promise<void> {
    const document = this.deps.hocuspocus.documents.get(documentId);
    if (!document) return;
    await documentSearchIndexer(this.deps.db, documentId, document);
  }
}
