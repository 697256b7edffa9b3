import { validateUpdateV1 } from '@folio/shared';
import { documentCompactor, documentStateLoader } from '@folio/shared/commands';
import { type Db, saveDocumentState } from '@folio/shared/db';
import type { Logger } from '@folio/shared/logger';
import type {
  afterUnloadDocumentPayload,
  beforeSyncPayload,
  Connection,
  Document,
  Extension,
  onChangePayload,
  onConnectPayload,
  onLoadDocumentPayload,
  onStoreDocumentPayload,
} from '@hocuspocus/server';
import * as Y from 'yjs';
import type { ClientAttribution } from './client-attribution.js';
import { CloseError, type CollabContext } from './context.js';
import type { CommitChains } from './durable-acks.js';
import { type DocumentLog, LoadedDocuments } from './loaded-documents.js';
import type { CollabMetrics } from './metrics.js';
import { CloseCode, carriesUpdate, RETRY_LATER_REASON } from './protocol.js';
import type { UpdateCommitter } from './update-committer.js';
import { carriesNews } from './update-news.js';

export interface PersistenceConfiguration {
  db: Db;
  log: Logger;
  committer: UpdateCommitter;
  chains: CommitChains;
  /** Authors of client ids: relayed edits are recorded as their author's. */
  attribution: ClientAttribution;
  metrics: CollabMetrics;
  /** Told about every update this instance committed (search indexing, the relay to peers). */
  onCommitted?: ((documentId: string, seq: number, update: Uint8Array) => void) | undefined;
  /**
   * A commit failed for good after its update was applied and broadcast: close every
   * connection of the document (retryable) so that it unloads and reloads from storage.
   */
  onDiverged?: ((documentId: string) => void) | undefined;
  /** Updates that would grow a document's encoded state past this are refused (1009). */
  maxDocumentBytes: number;
  /**
   * Uncommitted bytes of one document beyond which a connection's next update waits for
   * the document's commits before it is applied: with storage slow or down, clients
   * slow to its pace instead of piling updates up in memory.
   */
  maxUncommittedBytes: number;
  /** The same for the whole process, across documents. */
  maxUncommittedTotalBytes: number;
}

/** Origin of changes replayed from the log: already stored, so no store hooks. */
export const replayOrigin = { source: 'local', skipStoreHooks: true } as const;

/** How long a connection to a document being reloaded waits for the reload. */
const RELOAD_WAIT_MS = 10_000;
/** How long a writer held back by backpressure waits for storage before it is refused. */
const BACKPRESSURE_WAIT_MS = 10_000;

/**
 * Durable, attributed persistence. A client's update is validated, then applied (and so
 * broadcast) at once while its commit to the update log — attributed to the
 * authenticated user and connection — runs in the background; its acknowledgement
 * (SyncStatus, or for y-websocket the reply to a later sync step) is held until that
 * commit and every earlier one of the document has resolved (durable-acks.ts). If a
 * commit fails for good, memory holds what storage does not: the document's connections
 * are closed with 1013 and the document reloads from storage, and clients resend what
 * was lost (Yjs updates are idempotent). Loading is snapshot + log; `onStoreDocument`
 * (debounced by Hocuspocus) compacts from Postgres.
 */
export class PersistenceExtension implements Extension {
  // Below the Redis extension (1000): its onStoreDocument takes a lock first and skips
  // the rest of the chain on the instance that did not get it, so two instances do not
  // compact the same document at once. (Loading runs before any afterLoadDocument anyway.)
  priority = 500;

  /** Loaded documents' places in the update log (read by the relay and the log follower). */
  readonly loaded = new LoadedDocuments();

  /** Documents whose memory diverged from storage, until they are unloaded. */
  private readonly diverged = new WeakSet<Document>();
  /** Names of diverged documents, resolved when they are unloaded. */
  private readonly reloading = new Map<string, { done: Promise<void>; resolve(): void }>();

  /** When a validated update was handed to Hocuspocus, to time its application. */
  private readonly applyStarted = new WeakMap<Connection, number>();

  constructor(private readonly configuration: PersistenceConfiguration) {}

  /** A connection to a document being reloaded waits until the stale copy is gone. */
  async onConnect({ documentName }: onConnectPayload): Promise<void> {
    const reloading = this.reloading.get(documentName);
    if (!reloading) return;
    const timeout = new Promise<'timeout'>((resolve) =>
      setTimeout(resolve, RELOAD_WAIT_MS, 'timeout').unref(),
    );
    if ((await Promise.race([reloading.done, timeout])) === 'timeout') {
      throw new CloseError(CloseCode.unavailable, RETRY_LATER_REASON);
    }
  }

  async onLoadDocument({ documentName, document }: onLoadDocumentPayload): Promise<void> {
    let state: Awaited<ReturnType<typeof documentStateLoader>>;
    try {
      // Straight into Hocuspocus's document, as already-stored changes (no store hooks):
      // a large state is decoded once, not into a scratch document and then re-encoded.
      state = await documentStateLoader(this.configuration.db, documentName, {
        into: document,
        origin: replayOrigin,
      });
    } catch (error) {
      // Every connection waiting for this load is told to retry (1013), not refused.
      this.configuration.log.warn({ err: error, documentId: documentName }, 'could not load a document');
      throw new CloseError(CloseCode.unavailable, RETRY_LATER_REASON);
    }
    // Bytes read bound the state's size from above; only a bound past the limit (a log
    // tail not compacted yet) is worth the exact figure, or the document would refuse
    // every edit until its next compaction.
    const approxBytes =
      state.bytes > this.configuration.maxDocumentBytes
        ? Y.encodeStateAsUpdate(document).byteLength
        : state.bytes;
    this.loaded.load(documentName, state.horizon, approxBytes, state.seq);
  }

  async beforeSync(data: beforeSyncPayload<CollabContext>): Promise<void> {
    const { connection, document, documentName } = data;
    if (this.diverged.has(document)) {
      this.closeLogged(data, 'info', {}, 'closing a connection to a document being reloaded');
      throw this.close(connection, CloseCode.unavailable, 'document reloading');
    }
    if (!carriesUpdate(data.type)) return;
    const context = connection.context as CollabContext;
    const update = data.payload;
    let summary: ReturnType<typeof validateUpdateV1>;
    try {
      // The one validation of an update, on exactly the bytes Yjs is about to decode
      // (read-only connections included: Hocuspocus decodes theirs to answer them).
      summary = validateUpdateV1(update);
    } catch (error) {
      this.closeLogged(data, 'info', { err: error }, 'closing a connection on an invalid update');
      throw this.close(connection, CloseCode.malformed, 'invalid update');
    }
    // Hocuspocus drops a read-only connection's update after this hook: never store it.
    if (connection.readOnly) return;
    if (!carriesNews(document, summary, update)) return;
    const log = this.loaded.get(documentName);
    if (log && log.approxBytes + update.byteLength > this.configuration.maxDocumentBytes) {
      this.closeLogged(
        data,
        'info',
        { bytes: log.approxBytes, updateBytes: update.byteLength },
        'closing a connection whose update would make the document too large',
      );
      throw this.close(connection, CloseCode.tooLarge, 'document too large');
    }
    const { chains, committer } = this.configuration;
    if (
      chains.pendingBytes(documentName) > this.configuration.maxUncommittedBytes ||
      committer.pendingBytes > this.configuration.maxUncommittedTotalBytes
    ) {
      // Backpressure: this connection waits for storage to catch up (its later frames
      // queue behind this one in Hocuspocus, bounded by the transport's byte budget). If
      // storage does not catch up in time it is refused plainly, not queued forever.
      const caughtUp = await Promise.race([
        (chains.whenCommitted(documentName) ?? Promise.resolve()).then(
          () => true,
          () => false,
        ),
        new Promise<false>((resolve) => setTimeout(resolve, BACKPRESSURE_WAIT_MS, false).unref()),
      ]);
      if (!caughtUp || committer.pendingBytes > this.configuration.maxUncommittedTotalBytes) {
        this.closeLogged(data, 'warn', {}, 'closing a connection: storage is not keeping up');
        throw this.close(connection, CloseCode.unavailable, 'storage unavailable');
      }
    }
    // The payload is a view into the frame; the log keeps its own copy.
    const parts = this.configuration.attribution.attribute(
      documentName,
      document,
      context.principal ? { userId: context.principal.userId, agent: context.principal.agent } : null,
      update.slice(),
      summary,
    );
    for (const part of parts)
      this.commit(document, log, part.update, part.actorId, part.agent, context.connectionId ?? null);
    this.applyStarted.set(connection, performance.now());
  }

  /** Starts an update's commit and puts it on the document's acknowledgement chain. */
  private commit(
    document: Document,
    log: DocumentLog | undefined,
    update: Uint8Array,
    actorId: string | null,
    agent: string | null,
    connectionId: string | null,
  ): void {
    const documentName = document.name;
    const commit = this.configuration.committer.record({
      documentId: documentName,
      update,
      actorId,
      agent,
      connectionId,
    });
    this.configuration.chains.append(
      documentName,
      commit.then((seq) => {
        if (seq === undefined) throw new DocumentGoneError();
      }),
      update.byteLength,
    );
    log?.grow(update.byteLength);
    commit.then(
      (seq) => {
        if (seq === undefined) {
          // Deleted under us: not acknowledged (the chain failed); the bus message and
          // the log follower close the document's connections with 4404.
          this.configuration.log.info(
            { documentId: documentName },
            'an update arrived for a deleted document',
          );
          return;
        }
        if (this.loaded.isCurrent(documentName, log)) log.add(seq);
        this.configuration.onCommitted?.(documentName, seq, update);
      },
      (error) => this.divergedFromStorage(document, error),
    );
  }

  /**
   * A commit failed for good after its update was applied and broadcast. Memory now
   * holds what storage lacks, and the acknowledgements of the document are withheld
   * (its commit chain failed). Mark the in-memory copy stale and have its connections
   * closed: the clients keep their unacknowledged edits and resend them after
   * reconnecting to a copy loaded from storage.
   */
  private divergedFromStorage(document: Document, error: unknown): void {
    if (this.diverged.has(document)) return;
    this.diverged.add(document);
    const documentName = document.name;
    if (!this.reloading.has(documentName)) {
      let resolve = () => {};
      const done = new Promise<void>((r) => {
        resolve = r;
      });
      this.reloading.set(documentName, { done, resolve });
    }
    this.configuration.attribution.keepAcrossReload(documentName);
    this.configuration.metrics.divergedDocuments.inc();
    this.configuration.log.error(
      { err: error, documentId: documentName },
      'a commit failed after its update was broadcast: reloading the document from storage',
    );
    this.configuration.onDiverged?.(documentName);
  }

  /** Closes the connection's socket and returns the error that makes Hocuspocus drop the frame. */
  private close(connection: Connection, code: number, reason: string): CloseError {
    connection.webSocket.close(code, reason);
    return new CloseError(code, reason);
  }

  /** Logs why a connection is being closed, with who and where, before the CloseError. */
  private closeLogged(
    { documentName, connection }: beforeSyncPayload<CollabContext>,
    level: 'info' | 'warn',
    details: Record<string, unknown>,
    message: string,
  ): void {
    const context = connection.context as CollabContext;
    this.configuration.log[level](
      {
        ...details,
        documentId: documentName,
        connectionId: context.connectionId,
        userId: context.principal?.userId,
      },
      message,
    );
  }

  /** Runs synchronously inside the Yjs transaction that applied a client's update. */
  async onChange({ connection }: onChangePayload): Promise<void> {
    const started = connection && this.applyStarted.get(connection);
    if (connection && started !== undefined) {
      this.applyStarted.delete(connection);
      this.configuration.metrics.applySeconds.observe((performance.now() - started) / 1000);
    }
  }

  async onStoreDocument({ documentName, document }: onStoreDocumentPayload): Promise<void> {
    await this.compact(documentName, document);
  }

  async afterUnloadDocument({ documentName }: afterUnloadDocumentPayload): Promise<void> {
    this.loaded.unload(documentName);
    this.configuration.chains.forget(documentName);
    const reloading = this.reloading.get(documentName);
    this.reloading.delete(documentName);
    reloading?.resolve();
  }

  /**
   * Writes a fresh snapshot; failures only cost load time later. From the in-memory
   * document when it holds exactly committed rows, else from Postgres.
   */
  async compact(documentName: string, document?: Document): Promise<void> {
    const log = this.loaded.get(documentName);
    const estimateBefore = log?.approxBytes ?? 0;
    try {
      const result =
        document && this.compactableFromMemory(documentName, document, log)
          ? await this.compactFromMemory(documentName, document, log)
          : await this.compactFromStorage(documentName);
      if (!result) return;
      this.configuration.log.debug({ documentId: documentName, ...result }, 'document compacted');
      // The size estimate only ever grows between compactions (typing and deleting adds
      // bytes); re-base it on the real encoded size plus what arrived meanwhile.
      if (this.loaded.isCurrent(documentName, log)) log.rebase(result.bytes, estimateBefore);
    } catch (error) {
      this.configuration.log.warn({ err: error, documentId: documentName }, 'compaction failed');
    }
  }

  /**
   * Memory may stand in for Postgres when everything in it is committed: no update of
   * this instance's clients is waiting for its commit (they are applied before they are
   * committed) and none failed (a diverged copy is being reloaded). Everything else in
   * memory came from the log (load, relay, follower), and every row below the
   * document's horizon is in memory — so the snapshot covers exactly that horizon.
   */
  private compactableFromMemory(
    documentName: string,
    document: Document,
    log: DocumentLog | undefined,
  ): log is DocumentLog {
    return (
      this.loaded.isCurrent(documentName, log) &&
      !this.diverged.has(document) &&
      this.configuration.chains.whenCommitted(documentName) === undefined
    );
  }

  private async compactFromStorage(documentName: string) {
    const result = await documentCompactor(this.configuration.db, documentName);
    if (result) this.configuration.metrics.compactions.inc({ source: 'storage' });
    return result;
  }

  /**
   * The snapshot encoded from memory: no Postgres read and no replay of the rows since
   * the last snapshot (which Postgres-side compaction applies one by one — seconds of
   * CPU after a long typing session, and on SIGTERM for every loaded document).
   */
  private async compactFromMemory(
    documentName: string,
    document: Document,
    log: DocumentLog,
  ): Promise<{ horizon: string; seq: number; bytes: number } | undefined> {
    const rows = log.rowsSinceCompaction;
    if (rows === 0) return undefined;
    // Read together, synchronously: what the snapshot holds and the horizon it covers.
    const snapshot = Y.encodeStateAsUpdate(document);
    const coverage = { coversXid: log.horizon, seq: log.seq };
    const saved = await saveDocumentState(this.configuration.db, documentName, snapshot, coverage).catch(
      (error) => {
        // The document was deleted meanwhile: nothing to keep.
        if ((error as { code?: string }).code === '23503') return false;
        throw error;
      },
    );
    this.configuration.metrics.compactions.inc({ source: 'memory' });
    log.compacted(rows);
    return saved ? { horizon: coverage.coversXid, seq: coverage.seq, bytes: snapshot.byteLength } : undefined;
  }
}

/** A commit found its document deleted: the update is not durable. */
class DocumentGoneError extends Error {
  override readonly name = 'DocumentGoneError';
  constructor() {
    super('the document no longer exists');
  }
}
