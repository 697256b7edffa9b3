import { documentUpdateRecorder, type UpdateToRecord } from '@folio/shared/commands';
import type { Db } from '@folio/shared/db';
import type { Logger } from '@folio/shared/logger';
import type { CollabMetrics } from './metrics.js';

export interface UpdateCommitterConfiguration {
  /** How long the first update of a batch waits for company before the batch commits. */
  delayMs: number;
  /** Updates per transaction at most; a larger backlog is committed in several. */
  maxBatch: number;
}

const defaults: UpdateCommitterConfiguration = { delayMs: 2, maxBatch: 500 };

interface Pending extends UpdateToRecord {
  resolve(seq: number | undefined): void;
  reject(error: unknown): void;
}

/**
 * Group commit of update-log rows. Every connection awaits its own update's commit
 * before the update is applied and acknowledged, so commits must be cheap: updates from
 * all connections and documents that arrive within `delayMs`, or while the previous
 * transaction is in flight, share one transaction. One transaction at a time keeps the
 * per-document sequence order equal to arrival order and never makes two of our own
 * batches wait on each other's row locks.
 */
export class UpdateCommitter {
  private readonly configuration: UpdateCommitterConfiguration;
  private queue: Pending[] = [];
  private queuedBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private immediate = false;
  private inFlight: Promise<void> | undefined;

  constructor(
    private readonly db: Db,
    private readonly log: Logger,
    private readonly metrics: CollabMetrics,
    configuration: Partial<UpdateCommitterConfiguration> = {},
  ) {
    this.configuration = { ...defaults, ...configuration };
  }

  /** Resolves with the row's seq once committed (undefined: the document is gone). */
  record(update: UpdateToRecord): Promise<number | undefined> {
    return new Promise((resolve, reject) => {
      this.queue.push({ ...update, resolve, reject });
      this.queuedBytes += update.update.byteLength;
      this.metrics.unsavedBytes.set(this.queuedBytes);
      this.schedule();
    });
  }

  /** Bytes received but not yet committed: what a crash right now would lose (unacked). */
  get pendingBytes(): number {
    return this.queuedBytes;
  }

  /** Resolves when everything recorded so far is committed (or failed). */
  async drain(): Promise<void> {
    for (;;) {
      // Skip any pending window: whoever drains wants it all now.
      clearTimeout(this.timer);
      this.timer = undefined;
      if (!this.inFlight) this.commitNext();
      if (!this.inFlight) return;
      await this.inFlight;
    }
  }

  private schedule(): void {
    if (this.inFlight || this.timer) return;
    if (this.queue.length >= this.configuration.maxBatch) {
      this.commitNext();
      return;
    }
    if (this.configuration.delayMs === 0) {
      // No window: commit after this event-loop turn's other frames have queued up.
      // Under load, what arrives during a transaction still shares the next one.
      if (this.immediate) return;
      this.immediate = true;
      setImmediate(() => {
        this.immediate = false;
        this.commitNext();
      });
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.commitNext();
    }, this.configuration.delayMs);
  }

  private commitNext(): void {
    if (this.inFlight || this.queue.length === 0) return;
    const batch = this.queue.splice(0, this.configuration.maxBatch);
    const bytes = batch.reduce((sum, p) => sum + p.update.byteLength, 0);
    const started = performance.now();
    this.inFlight = documentUpdateRecorder(this.db, batch)
      .then(
        (seqs) => {
          this.metrics.storeSeconds.observe((performance.now() - started) / 1000);
          this.metrics.storeBatchSize.observe(batch.length);
          batch.forEach((p, i) => {
            p.resolve(seqs[i]);
          });
        },
        (error) => {
          this.log.error({ err: error, updates: batch.length }, 'committing updates failed');
          for (const p of batch) p.reject(error);
        },
      )
      .finally(() => {
        this.inFlight = undefined;
        this.queuedBytes -= bytes;
        this.metrics.unsavedBytes.set(this.queuedBytes);
        // What arrived during the transaction goes out at once: it already waited.
        if (this.queue.length > 0) this.commitNext();
      });
  }
}
