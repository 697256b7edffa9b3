import type { Logger } from '@folio/shared/logger';
import { documentOfUpdatesChannel, type Redis, updatesChannel } from '@folio/shared/redis';
import type {
  afterUnloadDocumentPayload,
  Document,
  Extension,
  onLoadDocumentPayload,
} from '@hocuspocus/server';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';
import type { CollabMetrics } from './metrics.js';
import type { PersistenceExtension } from './persistence.js';

export interface UpdateRelayConfiguration {
  redis: Redis;
  /** Channel prefix (the node's Redis key prefix). */
  prefix: string;
  /** This instance's id: its own messages come back from Redis and are skipped. */
  instanceId: string;
  persistence: PersistenceExtension;
  log: Logger;
  metrics: CollabMetrics;
}

/** Origin of updates a peer committed: Hocuspocus runs no store hooks for it. */
export const relayOrigin = { source: 'redis' } as const;

/** A message carries at most this many bytes of updates; more goes in several. */
const MAX_MESSAGE_BYTES = 512 * 1024;

/**
 * Committed updates between instances: after a commit, each instance publishes the
 * document's new log rows — update and seq — on the document's channel; every peer that
 * has the document loaded applies them and records their seqs as known, so its log
 * follower skips them instead of fetching them again. Only committed updates travel, so
 * a peer never builds on an edit that could still be lost, and nothing is O(document):
 * no state-vector handshake, no whole delete set per change.
 *
 * Pub/sub delivers at most once; what heals a lost or late message is the log follower,
 * which reads every row of a loaded document it has not seen (Postgres is the truth).
 * Awareness and stateless messages still go through @hocuspocus/extension-redis.
 *
 * Subscribing happens in onLoadDocument, before the persistence extension reads the
 * document from Postgres (higher priority): a row committed during the load arrives
 * either in the read or as a message, and both are harmless to apply twice.
 */
export class UpdateRelay implements Extension {
  priority = 600;

  /** Its own connection (a subscribed client can do nothing else); tests drop its messages. */
  readonly subscriber: Redis;
  /** Loaded (or loading) documents, by name. */
  private readonly documents = new Map<string, Document>();
  /** Committed updates to publish at the end of this event-loop turn, by document. */
  private outgoing = new Map<string, { seqs: number[]; updates: Uint8Array[]; bytes: number }>();
  private flushScheduled = false;
  private stopped = false;

  constructor(private readonly configuration: UpdateRelayConfiguration) {
    this.subscriber = configuration.redis.duplicate();
    this.subscriber.on('error', (error: Error) =>
      configuration.log.debug({ err: error }, 'update relay subscriber error'),
    );
    this.subscriber.on('messageBuffer', (channel: Buffer, message: Buffer) => {
      try {
        this.receive(channel.toString('utf8'), message);
      } catch (error) {
        configuration.log.warn({ err: error }, 'dropping an unreadable relayed update');
      }
    });
  }

  private channel(documentName: string): string {
    return updatesChannel(this.configuration.prefix, documentName);
  }

  async onLoadDocument({ documentName, document }: onLoadDocumentPayload): Promise<void> {
    this.documents.set(documentName, document);
    try {
      await this.subscriber.subscribe(this.channel(documentName));
    } catch (error) {
      // Still correct without it: the log follower brings peers' rows within a tick.
      this.configuration.log.warn(
        { err: error, documentId: documentName },
        'could not subscribe to relayed updates',
      );
    }
  }

  async afterUnloadDocument({ documentName, instance }: afterUnloadDocumentPayload): Promise<void> {
    // Loaded again already (a fast reconnect): keep the subscription.
    if (instance.documents.has(documentName)) return;
    this.documents.delete(documentName);
    if (this.stopped) return;
    await this.subscriber.unsubscribe(this.channel(documentName)).catch(() => {});
  }

  /** Called for every update this instance committed. */
  publish(documentName: string, seq: number, update: Uint8Array): void {
    if (this.stopped) return;
    let pending = this.outgoing.get(documentName);
    if (!pending || pending.bytes + update.byteLength > MAX_MESSAGE_BYTES) {
      if (pending) this.send(documentName, pending);
      pending = { seqs: [], updates: [], bytes: 0 };
      this.outgoing.set(documentName, pending);
    }
    pending.seqs.push(seq);
    pending.updates.push(update);
    pending.bytes += update.byteLength;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    const outgoing = this.outgoing;
    this.outgoing = new Map();
    for (const [documentName, pending] of outgoing) this.send(documentName, pending);
  }

  private send(documentName: string, pending: { seqs: number[]; updates: Uint8Array[] }): void {
    const encoder = encoding.createEncoder();
    encoding.writeVarString(encoder, this.configuration.instanceId);
    encoding.writeVarUint(encoder, pending.seqs.length);
    pending.seqs.forEach((seq, i) => {
      encoding.writeVarUint(encoder, seq);
      encoding.writeVarUint8Array(encoder, pending.updates[i] as Uint8Array);
    });
    this.configuration.metrics.relayedUpdates.inc({ direction: 'out' }, pending.seqs.length);
    this.configuration.redis
      .publish(this.channel(documentName), Buffer.from(encoding.toUint8Array(encoder)))
      .catch((error: unknown) =>
        this.configuration.log.debug({ err: error, documentId: documentName }, 'relaying updates failed'),
      );
  }

  private receive(channel: string, message: Buffer): void {
    const documentName = documentOfUpdatesChannel(this.configuration.prefix, channel);
    if (documentName === undefined) return;
    const document = this.documents.get(documentName);
    if (!document || document.isDestroyed) return;
    const decoder = decoding.createDecoder(
      new Uint8Array(message.buffer, message.byteOffset, message.byteLength),
    );
    if (decoding.readVarString(decoder) === this.configuration.instanceId) return;
    const count = decoding.readVarUint(decoder);
    const log = this.configuration.persistence.loaded.get(documentName);
    const rows: { seq: number; update: Uint8Array }[] = [];
    for (let i = 0; i < count; i++) {
      const seq = decoding.readVarUint(decoder);
      rows.push({ seq, update: decoding.readVarUint8Array(decoder) });
    }
    this.configuration.metrics.relayedUpdates.inc({ direction: 'in' }, rows.length);
    document.transact(() => {
      for (const row of rows) {
        if (log?.has(row.seq)) continue;
        Y.applyUpdate(document, row.update, relayOrigin);
        log?.add(row.seq);
      }
    }, relayOrigin);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.flush();
    this.subscriber.disconnect();
  }
}
