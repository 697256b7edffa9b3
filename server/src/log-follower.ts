import { type Db, findDocumentUpdatesBySeq, listNewUpdateIds } from '@folio/shared/db';
import type { Logger } from '@folio/shared/logger';
import type { Hocuspocus } from '@hocuspocus/server';
import * as Y from 'yjs';
import type { DocumentLog } from './loaded-documents.js';
import type { CollabMetrics } from './metrics.js';
import { type PersistenceExtension, replayOrigin } from './persistence.js';

export interface LogFollowerConfiguration {
  /** Anti-entropy period: how stale a document may get when a message is lost. */
  intervalMs: number;
  /** Rows whose bytes are fetched per round trip. */
  batch: number;
}

const defaults: LogFollowerConfiguration = { intervalMs: 1_000, batch: 1_000 };

/**
 * Anti-entropy through the update log. Every change to a document is committed to the
 * log before any instance acknowledges it, so the log is the complete truth; Redis
 * pub/sub is only the fast path and drops messages when a subscriber reconnects. It is
 * also how REST updates reach live documents (the API's notification only makes it
 * happen at once).
 *
 * Each loaded document has a transaction horizon: every row with a smaller xid is in
 * memory. Every `intervalMs` ONE statement lists, for all loaded documents, the seq of
 * each row at or above its document's horizon (index-only: no update bytes), the
 * documents that no longer exist, and the statement's own horizon. Rows already in
 * memory (the DocumentLog knows them: own commits, rows received) are skipped; only the missing ones'
 * bytes are fetched. Afterwards every document's horizon moves up to the statement's:
 * everything below it was visible to that statement, so it is now in memory. Seq order
 * is not commit order, which is why the cursor is a horizon and not a seq: a row that
 * commits after a later-numbered one is still at or above the horizon when it appears.
 */
export class LogFollower {
  private readonly configuration: LogFollowerConfiguration;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;

  constructor(
    private readonly deps: {
      db: Db;
      hocuspocus: Hocuspocus;
      persistence: PersistenceExtension;
      log: Logger;
      metrics?: CollabMetrics;
      /** A loaded document no longer exists (deleted; the bus message may have been lost). */
      onMissing?: (documentId: string) => void;
    },
    configuration: Partial<LogFollowerConfiguration> = {},
  ) {
    this.configuration = { ...defaults, ...configuration };
  }

  start(): void {
    this.timer ??= setInterval(() => this.poke(), this.configuration.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Runs a round now (or right after the current one). */
  poke(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.round()
      .catch((error) => this.deps.log.warn({ err: error }, 'anti-entropy round failed'))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.poke();
        }
      });
  }

  private async round(): Promise<void> {
    const { persistence, db } = this.deps;
    const documents = persistence.loaded.entries().map(([name, log]) => ({
      name,
      log,
      round: log.beginRound(),
    }));
    if (documents.length === 0) return;
    const found = await listNewUpdateIds(
      db,
      documents.map((d) => ({ id: d.name, horizon: d.log.horizon })),
    );
    const missing = new Set(found.missing);
    const listed = new Map<string, Set<number>>();
    for (const row of found.rows) {
      const seqs = listed.get(row.documentId) ?? new Set<number>();
      seqs.add(row.seq);
      listed.set(row.documentId, seqs);
    }
    const current = (d: (typeof documents)[number]) => persistence.loaded.isCurrent(d.name, d.log);
    const wanted: number[] = [];
    for (const d of documents) {
      for (const seq of listed.get(d.name) ?? []) if (!d.log.has(seq)) wanted.push(seq);
    }
    for (let start = 0; start < wanted.length; start += this.configuration.batch) {
      const rows = await findDocumentUpdatesBySeq(db, wanted.slice(start, start + this.configuration.batch));
      this.apply(documents, rows);
    }
    for (const d of documents) {
      if (!current(d)) continue;
      if (missing.has(d.name)) {
        this.deps.onMissing?.(d.name);
        continue;
      }
      // A cut listing saw only part of the window: keep the horizon, list it again.
      d.log.advance(d.round, listed.get(d.name) ?? new Set(), found.truncated ? undefined : found.horizon);
    }
  }

  private apply(
    documents: { name: string; log: DocumentLog }[],
    rows: { seq: number; document_id: string; update: Uint8Array }[],
  ): void {
    const byName = new Map(documents.map((d) => [d.name, d.log]));
    const perDocument = new Map<string, typeof rows>();
    for (const row of rows) {
      const list = perDocument.get(row.document_id) ?? [];
      list.push(row);
      perDocument.set(row.document_id, list);
    }
    for (const [name, list] of perDocument) {
      const log = byName.get(name);
      const document = this.deps.hocuspocus.documents.get(name);
      if (!document || !this.deps.persistence.loaded.isCurrent(name, log)) continue;
      let applied = 0;
      // One transaction per document: observers and the broadcast run once.
      document.transact(() => {
        for (const row of list) {
          // Received meanwhile (Redis, own commit): in memory already.
          if (log.has(row.seq)) continue;
          Y.applyUpdate(document, row.update);
          log.add(row.seq);
          applied++;
        }
      }, replayOrigin);
      if (applied > 0) {
        this.deps.metrics?.antiEntropyApplied.inc(applied);
        this.deps.log.debug({ documentId: name, applied }, 'anti-entropy applied missing updates');
      }
    }
  }
}
