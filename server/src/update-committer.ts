import { documentUpdateRecorder, type UpdateToRecord } from '@folio/shared/commands';
import type { Db } from '@folio/shared/db';
import type { Logger } from '@folio/shared/logger';
import { noopTracing, type Tracing } from '@folio/shared/tracing';
import type { CollabMetrics } from './metrics.js';

export interface UpdateCommitterConfiguration {
  /** How long the first update of a batch waits for company before the batch commits. */
  delayMs: number;
  /** Updates per transaction at most; a larger backlog is committed in several. */
  maxBatch: number;
  /** Transactions in flight at most (each holds a pooled connection). */
  maxInFlight: number;
  /**
   * How long a batch keeps being retried while Postgres is unreachable (connection
   * errors, a restart, a failover) before its updates are given up on.
   */
  outageMs: number;
}

const defaults: UpdateCommitterConfiguration = {
  delayMs: 2,
  maxBatch: 500,
  maxInFlight: 2,
  outageMs: 120_000,
};

/** Retry delays: doubling from the first, capped. */
const FIRST_RETRY_MS = 50;
const MAX_RETRY_MS = 5_000;
/** An error that is not an outage (a constraint, a bad row) gets this many more tries. */
const OTHER_ERROR_RETRIES = 2;

/**
 * Whether a failed commit is worth retrying for as long as an outage may last: the
 * database is unreachable, restarting, out of connections, or the transaction lost a
 * race (serialization failure, deadlock). SQLSTATE classes 08 (connection exception),
 * 57P (operator intervention: shutdown, crash, cannot connect now), 53300 and 40001/40P01.
 */
export function isOutage(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string') {
    if (code.startsWith('08') || code.startsWith('57P') || ['53300', '40001', '40P01'].includes(code))
      return true;
    if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND'].includes(code))
      return true;
  }
  // pg reports a dropped socket and a pool that cannot connect without a code.
  return (
    typeof message === 'string' &&
    /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(
      message,
    )
  );
}

interface Pending extends UpdateToRecord {
  resolve(seq: number | undefined): void;
  reject(error: unknown): void;
}

/**
 * Group commit of update-log rows. An update's acknowledgement waits for its commit
 * (durable-acks.ts), so commits must be cheap: updates from all connections and
 * documents that arrive within `delayMs`, or while a transaction is starting, share one
 * transaction.
 *
 * Up to `maxInFlight` batches overlap, so an update arriving while one commits does not
 * wait for that commit to end before its own begins. An append takes no row lock (see
 * `documentUpdateRecorder`), so overlapping batches never wait on each other; their seqs
 * are not commit order, which nothing relies on (coverage is by transaction horizon), and
 * acknowledgements keep each document's order through its commit chain (durable-acks.ts).
 */
export class UpdateCommitter {
  private readonly configuration: UpdateCommitterConfiguration;
  private queue: Pending[] = [];
  private queuedBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private immediate = false;
  private readonly inFlight = new Set<Promise<void>>();
  /** No retry goes past this instant (set by a drain with a deadline). */
  private giveUpAt = Number.POSITIVE_INFINITY;

  constructor(
    private readonly db: Db,
    private readonly log: Logger,
    private readonly metrics: CollabMetrics,
    configuration: Partial<UpdateCommitterConfiguration> = {},
    private readonly tracing: Tracing = noopTracing,
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

  /**
   * Resolves when everything recorded so far is committed (or failed). With a budget,
   * retries stop once it is spent: what is still unstored then fails (unacknowledged;
   * its clients resend it elsewhere).
   */
  async drain(budgetMs?: number): Promise<void> {
    if (budgetMs !== undefined) this.giveUpAt = Math.min(this.giveUpAt, Date.now() + budgetMs);
    for (;;) {
      // Skip any pending window: whoever drains wants it all now.
      clearTimeout(this.timer);
      this.timer = undefined;
      this.commitNext();
      if (this.inFlight.size === 0) return;
      await Promise.all(this.inFlight);
    }
  }

  private schedule(): void {
    if (this.timer) return;
    if (this.inFlight.size > 0) {
      // Whatever arrives this event-loop turn shares the next transaction, which starts
      // as soon as a slot is free.
      this.soon();
      return;
    }
    if (this.queue.length >= this.configuration.maxBatch) {
      this.commitNext();
      return;
    }
    if (this.configuration.delayMs === 0) {
      // No window: commit after this event-loop turn's other frames have queued up.
      // Under load, what arrives during a transaction still shares the next one.
      this.soon();
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.commitNext();
    }, this.configuration.delayMs);
  }

  private soon(): void {
    if (this.immediate) return;
    this.immediate = true;
    setImmediate(() => {
      this.immediate = false;
      this.commitNext();
    });
  }

  private commitNext(): void {
    if (this.inFlight.size >= this.configuration.maxInFlight || this.queue.length === 0) return;
    const batch = this.queue.splice(0, this.configuration.maxBatch);
    const bytes = batch.reduce((sum, p) => sum + p.update.byteLength, 0);
    const started = performance.now();
    // A root span: a batch serves many connections, none of which is its parent. The
    // transaction's queries nest under it.
    const attributes = {
      'folio.batch.updates': batch.length,
      'folio.batch.bytes': bytes,
      'folio.batch.documents': this.tracing.enabled
        ? new Set(batch.map((p) => p.documentId)).size
        : undefined,
    };
    const firstFailure = { at: 0 };
    const attempt = (n: number): Promise<(number | undefined)[]> =>
      this.tracing
        .inSpan('collab.commit_batch', { root: true, attributes }, () =>
          documentUpdateRecorder(this.db, batch),
        )
        .catch(async (error: unknown) => {
          // The transaction rolled back as a whole, so trying again cannot store a row
          // twice (except after a lost COMMIT reply, which Yjs's idempotence absorbs).
          firstFailure.at ||= Date.now();
          const outage = isOutage(error);
          const deadline = Math.min(firstFailure.at + this.configuration.outageMs, this.giveUpAt);
          if ((!outage && n >= OTHER_ERROR_RETRIES) || Date.now() >= deadline) throw error;
          const delay = Math.min(FIRST_RETRY_MS * 2 ** n, MAX_RETRY_MS, Math.max(0, deadline - Date.now()));
          this.log.warn(
            { err: error, updates: batch.length, attempt: n + 1, outage },
            'committing updates failed; retrying',
          );
          await new Promise((resolve) => setTimeout(resolve, delay));
          return attempt(n + 1);
        });
    const transaction: Promise<void> = attempt(0)
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
        this.inFlight.delete(transaction);
        this.queuedBytes -= bytes;
        this.metrics.unsavedBytes.set(this.queuedBytes);
        // What arrived during the transaction goes out at once: it already waited.
        if (this.queue.length > 0) this.commitNext();
      });
    this.inFlight.add(transaction);
  }
}
