import { validateUpdateV1 } from '@folio/shared';
import { documentCompactor, documentStateLoader } from '@folio/shared/commands';
import type { Db } from '@folio/shared/db';
import type { Logger } from '@folio/shared/logger';
import type {
  afterUnloadDocumentPayload,
  beforeSyncPayload,
  Connection,
  Document,
  Extension,
  onChangePayload,
  onLoadDocumentPayload,
  onStoreDocumentPayload,
} from '@hocuspocus/server';
import * as Y from 'yjs';
import { CloseError, type CollabContext } from './context.js';
import { KnownSeqs } from './known-seqs.js';
import type { CollabMetrics } from './metrics.js';
import type { UpdateCommitter } from './update-committer.js';

export interface PersistenceConfiguration {
  db: Db;
  log: Logger;
  committer: UpdateCommitter;
  metrics: CollabMetrics;
  /** Told about every document this instance committed an update to (search indexing). */
  onCommitted?: ((documentId: string) => void) | undefined;
  /** Updates that would grow a document's encoded state past this are refused (1009). */
  maxDocumentBytes: number;
}

/** What this instance knows about a loaded document's place in the update log. */
export interface LoadedDocumentLog {
  /**
   * Transaction horizon: every log row with xid below it is applied to the in-memory
   * document. The log follower reads rows at or above it.
   */
  horizon: string;
  /** Rows at or above the horizon already in memory (own commits, received): skip them. */
  knownSeqs: KnownSeqs;
  /** Upper bound of the encoded state: snapshot at load plus every update since. */
  approxBytes: number;
}

/** y-protocols sync message types carrying document content. */
const SYNC_STEP_2 = 1;
const SYNC_UPDATE = 2;

/** Origin of changes replayed from the log: already stored, so no store hooks. */
export const replayOrigin = { source: 'local', skipStoreHooks: true } as const;

/**
 * Durable, attributed persistence. An update from a client is appended to the update
 * log, attributed to the authenticated user and connection, and *committed* before
 * Hocuspocus applies it and acknowledges it: `beforeSync` runs before the update is
 * applied and Hocuspocus awaits it, and the acknowledgement (SyncStatus, or for
 * y-websocket the reply to any later sync step) is sent only after that. Loading is
 * snapshot + log; `onStoreDocument` (debounced by Hocuspocus) compacts from Postgres.
 */
export class PersistenceExtension implements Extension {
  // Below the Redis extension (1000): its onStoreDocument takes a lock first and skips
  // the rest of the chain on the instance that did not get it, so two instances do not
  // compact the same document at once. (Loading runs before any afterLoadDocument anyway.)
  priority = 500;

  readonly loaded = new Map<string, LoadedDocumentLog>();

  /** When a committed update was handed back to Hocuspocus, to time its application. */
  private readonly applyStarted = new WeakMap<Connection, number>();

  constructor(private readonly configuration: PersistenceConfiguration) {}

  async onLoadDocument({ documentName, document }: onLoadDocumentPayload): Promise<void> {
    const state = await documentStateLoader(this.configuration.db, documentName);
    try {
      const encoded = Y.encodeStateAsUpdate(state.doc);
      Y.applyUpdate(document, encoded, replayOrigin);
      this.loaded.set(documentName, {
        horizon: state.horizon,
        knownSeqs: new KnownSeqs(),
        approxBytes: encoded.byteLength,
      });
    } finally {
      state.doc.destroy();
    }
  }

  async beforeSync(data: beforeSyncPayload<CollabContext>): Promise<void> {
    if (data.type !== SYNC_STEP_2 && data.type !== SYNC_UPDATE) return;
    const { connection, document, documentName } = data;
    // Hocuspocus drops a read-only connection's update after this hook: never store it.
    if (connection.readOnly) return;
    const context = connection.context as CollabContext;
    const update = data.payload;
    let summary: ReturnType<typeof validateUpdateV1>;
    try {
      // The transport validated the frame already; this is the authoritative check on
      // exactly the bytes Yjs is about to decode.
      summary = validateUpdateV1(update);
    } catch (error) {
      this.closeLogged(data, 'info', { err: error }, 'closing a connection on an invalid update');
      connection.webSocket.close(1003, 'invalid update');
      throw new CloseError(1003, 'invalid update');
    }
    if (!carriesNews(document, summary, update)) return;
    const log = this.loaded.get(documentName);
    if (log && log.approxBytes + update.byteLength > this.configuration.maxDocumentBytes) {
      this.closeLogged(
        data,
        'info',
        { bytes: log.approxBytes, updateBytes: update.byteLength },
        'closing a connection whose update would make the document too large',
      );
      connection.webSocket.close(1009, 'document too large');
      throw new CloseError(1009, 'document too large');
    }
    let seq: number | undefined;
    try {
      seq = await this.configuration.committer.record({
        documentId: documentName,
        // The payload is a view into the frame; the log keeps its own copy.
        update: update.slice(),
        actorId: context.principal?.userId ?? null,
        connectionId: context.connectionId ?? null,
      });
    } catch (error) {
      // Not durable, so not applied and not acknowledged: the client keeps the edit and
      // sends it again after reconnecting.
      this.closeLogged(data, 'warn', { err: error }, 'closing a connection: its update could not be stored');
      connection.webSocket.close(1013, 'storage unavailable');
      throw new CloseError(1013, 'storage unavailable');
    }
    if (seq === undefined) {
      this.closeLogged(data, 'info', {}, 'closing a connection to a deleted document');
      connection.webSocket.close(4404, 'document deleted');
      throw new CloseError(4404, 'document deleted');
    }
    if (log) {
      log.knownSeqs.add(seq);
      log.approxBytes += update.byteLength;
    }
    this.applyStarted.set(connection, performance.now());
    this.configuration.onCommitted?.(documentName);
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

  async onStoreDocument({ documentName }: onStoreDocumentPayload): Promise<void> {
    await this.compact(documentName);
  }

  async afterUnloadDocument({ documentName }: afterUnloadDocumentPayload): Promise<void> {
    this.loaded.delete(documentName);
  }

  /** Writes a fresh snapshot from Postgres; failures only cost load time later. */
  async compact(documentName: string): Promise<void> {
    const log = this.loaded.get(documentName);
    const estimateBefore = log?.approxBytes ?? 0;
    try {
      const result = await documentCompactor(this.configuration.db, documentName);
      if (!result) return;
      this.configuration.log.debug({ documentId: documentName, ...result }, 'document compacted');
      // The size estimate only ever grows between compactions (typing and deleting adds
      // bytes); re-base it on the real encoded size plus what arrived meanwhile.
      if (log && this.loaded.get(documentName) === log) {
        log.approxBytes = result.bytes + Math.max(0, log.approxBytes - estimateBefore);
      }
    } catch (error) {
      this.configuration.log.warn({ err: error, documentId: documentName }, 'compaction failed');
    }
  }
}

/**
 * Whether applying the update would change the document: providers resend their whole
 * delete set with every SyncStep2, and storing those again and again would bloat the log.
 */
function carriesNews(document: Document, summary: ReturnType<typeof validateUpdateV1>, update: Uint8Array) {
  for (const [client, end] of summary.clockEnds) {
    if (end > Y.getState(document.store, client)) return true;
  }
  if (summary.deleteRangeCount === 0) return false;
  return !Y.snapshotContainsUpdate(Y.snapshot(document), update);
}
