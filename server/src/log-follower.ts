import { type Db, findDocumentUpdateSeqs, listDocumentUpdatesAfter } from '@folio/shared/db';
import type { Logger } from '@folio/shared/logger';
import type { Hocuspocus } from '@hocuspocus/server';
import * as Y from 'yjs';
import type { CollabMetrics } from './metrics.js';
import { type PersistenceExtension, replayOrigin } from './persistence.js';

export interface LogFollowerConfiguration {
  /** Anti-entropy period: how stale a document may get when a message is lost. */
  intervalMs: number;
  /** Rows fetched per document and round. */
  batch: number;
}

const defaults: LogFollowerConfiguration = { intervalMs: 1_000, batch: 1_000 };

/**
 * Anti-entropy through the update log. Every change to a document is committed to the
 * log before any instance applies it, so the log is the complete, ordered truth; Redis
 * pub/sub is only the fast path and drops messages when a subscriber reconnects. Every
 * `intervalMs` this compares each loaded document's committed `update_seq` (one query for
 * all documents) with what this instance has applied, and applies the missing rows.
 * It is also how REST updates reach live documents (the API's notification only makes
 * it happen at once). Unlike a state-vector exchange between peers it needs no peer to
 * be alive, and it costs one indexed query per interval when nothing is missing.
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
    const names = [...persistence.loaded.keys()];
    if (names.length === 0) return;
    const latest = await findDocumentUpdateSeqs(db, names);
    for (const name of names) {
      const seq = latest.get(name);
      if (seq === undefined) this.deps.onMissing?.(name);
      else await this.catchUp(name, seq);
    }
  }

  private async catchUp(name: string, latest: number): Promise<void> {
    const log = this.deps.persistence.loaded.get(name);
    if (!log) return;
    // Our own rows are in memory already; step over them without a round trip.
    while (log.ownSeqs.delete(log.appliedThrough + 1)) log.appliedThrough++;
    while (log.appliedThrough < latest) {
      const from = log.appliedThrough;
      const rows = await listDocumentUpdatesAfter(this.deps.db, name, from, this.configuration.batch);
      const document = this.deps.hocuspocus.documents.get(name);
      if (!document || this.deps.persistence.loaded.get(name) !== log || rows.length === 0) return;
      let applied = 0;
      document.transact(() => {
        for (const row of rows) {
          if (!log.ownSeqs.delete(Number(row.seq))) {
            Y.applyUpdate(document, row.update);
            applied++;
          }
        }
      }, replayOrigin);
      log.appliedThrough = Math.max(log.appliedThrough, Number(rows.at(-1)?.seq ?? from));
      if (applied > 0) {
        this.deps.metrics?.antiEntropyApplied.inc(applied);
        this.deps.log.debug({ documentId: name, applied }, 'anti-entropy applied missing updates');
      }
    }
  }
}
