import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { documentUpdateAuditor, type UpdateAuditPass } from '@folio/shared/commands';
import { type Db, releaseUpdateAuditLease } from '@folio/shared/db';
import { announceChangedDocuments, type JobQueue } from '@folio/shared/jobs';
import type { Logger } from '@folio/shared/logger';

export interface UpdateAuditRunnerConfiguration {
  /** How often to run a pass: audit entries are per document and actor per pass. */
  intervalMs: number;
  /** Another instance takes the job over when the holder has not run a pass this long. */
  leaseMs: number;
}

const defaults: UpdateAuditRunnerConfiguration = { intervalMs: 1_000, leaseMs: 5_000 };

/**
 * Runs the `document.update` summariser (documentUpdateAuditor) every `intervalMs` on
 * every instance; one of them holds the job (advisory lock plus lease) and the others'
 * passes return at once. The holder is told which documents each pass covered, so that
 * one instance indexes them for search.
 *
 * Why here and not as a job on the queue: a pass is already one at a time cluster-wide,
 * exactly once (its cursor is a Postgres snapshot) and redone whole by the next tick if
 * it fails — what a queue would add (retries, a lease) it has. As a job it would cost a
 * job row and a fetch per second, add the worker's poll to the audit, search and
 * webhook latency, and stop every one of them whenever no worker runs. And the holder
 * must be a collaboration node: it indexes the documents a pass covered from memory.
 * What must outlive the holder goes on the queue instead: with `jobs`, each pass sends
 * the `documents-changed` jobs (search catch-up, maintenance) in its own transaction.
 */
export class UpdateAuditRunner {
  private readonly configuration: UpdateAuditRunnerConfiguration;
  readonly holder = `${hostname()}:${process.pid}:${randomUUID()}`;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<UpdateAuditPass | undefined> | undefined;

  constructor(
    private readonly deps: {
      db: Db;
      log: Logger;
      /** Where each pass announces the documents it covered (see above). */
      jobs?: JobQueue | undefined;
      /** Documents a pass of this instance covered (their edits were stored). */
      onDocumentsChanged?: (documentIds: string[]) => void;
    },
    configuration: Partial<UpdateAuditRunnerConfiguration> = {},
  ) {
    this.configuration = { ...defaults, ...configuration };
  }

  start(): void {
    this.timer ??= setInterval(() => void this.runPass(), this.configuration.intervalMs);
    this.timer.unref();
  }

  /** A final pass (whatever another holder's lease says), then gives the lease up. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
    await this.runPass({ force: true });
    await releaseUpdateAuditLease(this.deps.db, this.holder).catch((error) =>
      this.deps.log.warn({ err: error }, 'releasing the audit summariser lease failed'),
    );
  }

  /** One pass now, or the running one; undefined when another instance holds the job. */
  runPass(options: { force?: boolean } = {}): Promise<UpdateAuditPass | undefined> {
    if (this.running && !options.force) return this.running;
    const { jobs } = this.deps;
    // Until the queue has started a pass could not send its jobs (on the embedded
    // database it would wait, inside its transaction, for a start that needs the
    // connection it holds): the edits wait for a later pass.
    if (jobs && !jobs.started) return Promise.resolve(undefined);
    const previous = this.running ?? Promise.resolve(undefined);
    const pass = previous
      .then(() =>
        documentUpdateAuditor(this.deps.db, {
          holder: this.holder,
          leaseMs: this.configuration.leaseMs,
          force: options.force === true,
          announce: jobs && ((trx, documentIds) => announceChangedDocuments(jobs, trx, documentIds)),
        }),
      )
      .then((result) => {
        if (result && result.documents.length > 0) this.deps.onDocumentsChanged?.(result.documents);
        return result;
      })
      .catch((error) => {
        this.deps.log.warn({ err: error }, 'document.update audit pass failed');
        return undefined;
      })
      .finally(() => {
        if (this.running === pass) this.running = undefined;
      });
    this.running = pass;
    return pass;
  }
}
