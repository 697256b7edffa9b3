import type { Logger } from '@folio/shared/logger';
import { collabDocumentKey, collabExtensionPrefix, type Redis } from '@folio/shared/redis';
import {
  Redis as HocuspocusRedis,
  type Configuration as HocuspocusRedisConfiguration,
} from '@hocuspocus/extension-redis';
import type {
  afterLoadDocumentPayload,
  afterUnloadDocumentPayload,
  onChangePayload,
  onStoreDocumentPayload,
} from '@hocuspocus/server';
import * as decoding from 'lib0/decoding';
import { MessageType } from './protocol.js';

export interface RedisExtensionConfiguration {
  /** The node's client; the extension's publisher and subscriber are duplicates of it. */
  redis: Redis;
  /** REDIS_KEY_PREFIX: the extension's channels and lock keys are named in redis-keys.ts. */
  prefix: string;
  log: Logger;
  /** The rest of the extension's own configuration (lock timeout, delays). */
  extension?: Partial<Omit<HocuspocusRedisConfiguration, 'createClient' | 'redis' | 'prefix'>>;
}

/**
 * Hocuspocus's Redis extension for awareness and stateless messages only, with its
 * clients' errors logged and an orderly shutdown.
 *
 * - Document content does not travel through it. As shipped it publishes a SyncStep1
 *   after every change and peers answer with their in-memory state, which in Folio can
 *   hold updates not yet committed: a peer's client could build on an edit that is then
 *   lost. Committed updates go through the UpdateRelay instead; here no SyncStep1 is
 *   published per change (`onChange`), the initial sync does not wait for peers, and
 *   sync messages from peers are ignored.
 *
 * - Duplicated ioredis clients do not inherit the original's 'error' listener; without
 *   one ioredis prints "[ioredis] Unhandled error event" (e.g. a write EPIPE while the
 *   publisher quits) to stderr.
 * - The extension answers a peer's SyncStep1 by publishing on its publisher from inside
 *   Hocuspocus's MessageReceiver, which does not await or catch that reply. A peer's
 *   message arriving while this node quits its publisher therefore became an unhandled
 *   rejection ("Connection is closed."). So shutdown first stops handling peers'
 *   messages, then quits the clients.
 * - Hooks that run after shutdown (a document unloading once its last client left, a
 *   load racing the drain) find closed clients; their subscriptions died with the
 *   connection, so there is nothing left to do and nothing worth printing.
 */
export class RedisExtension extends HocuspocusRedis {
  /** Shared with the clients' error listeners, which are made before `this` exists. */
  private readonly state: { destroyed: boolean };

  constructor(private readonly folio: RedisExtensionConfiguration) {
    const { redis, log } = folio;
    const state = { destroyed: false };
    let lastWarned = 0;
    super({
      ...folio.extension,
      // Peers do not answer sync steps (see above): nothing to wait for on load.
      awaitInitialSyncTimeout: 0,
      prefix: collabExtensionPrefix(folio.prefix),
      createClient: () => {
        const client = redis.duplicate();
        client.on('error', (error: Error) => {
          // Expected while quitting; otherwise throttled like the main client's.
          if (state.destroyed) {
            log.debug({ err: error }, 'redis extension client error during shutdown');
            return;
          }
          const now = Date.now();
          if (now - lastWarned > 5_000) {
            lastWarned = now;
            log.warn({ err: error }, 'redis extension client error');
          }
        });
        return client;
      },
    });
    this.state = state;
    // The document's channel, and with `:lock` its store lock: hash-tagged by document so
    // both live on the document's Redis Cluster shard (redis-keys.ts). `getKey` is private
    // in the extension's types, hence an own property rather than an override.
    (this as unknown as { getKey: (name: string) => string }).getKey = (name) =>
      collabDocumentKey(folio.prefix, name);
    // Peers' messages minus document content: awareness, stateless, awareness queries.
    const handle = (this as unknown as { handleIncomingMessage: PeerMessageHandler }).handleIncomingMessage;
    this.sub.removeAllListeners('messageBuffer');
    this.sub.on('messageBuffer', (channel: Buffer, data: Buffer) => {
      if (carriesSync(data)) return;
      handle(channel, data).catch((error: unknown) =>
        log.debug({ err: error }, 'redis extension peer message failed'),
      );
    });
  }

  /** Content goes through the UpdateRelay, committed; nothing to publish per change. */
  override async onChange(_data: onChangePayload): Promise<void> {}

  private get destroyed(): boolean {
    return this.state.destroyed;
  }

  override async afterLoadDocument(data: afterLoadDocumentPayload): Promise<void> {
    if (this.destroyed) throw shuttingDown();
    try {
      await super.afterLoadDocument(data);
    } catch (error) {
      if (!this.destroyed) throw error;
      this.folio.log.debug({ err: error, documentId: data.documentName }, 'document load ended by shutdown');
      throw shuttingDown();
    }
  }

  /**
   * Another instance holding the store lock is the normal case when a document is open on
   * several instances (each stores it after edits; one wins). Hocuspocus prints the
   * message of the extension's SkipFurtherHooksError to the console; it is emptied here
   * (the same error object, so Hocuspocus still recognises it and skips the store).
   */
  override async onStoreDocument(data: onStoreDocumentPayload): Promise<void> {
    try {
      await super.onStoreDocument(data);
    } catch (error) {
      if (error instanceof Error && error.name === 'SkipFurtherHooksError') {
        this.folio.log.debug({ documentId: data.documentName }, 'another instance is storing this document');
        error.message = '';
      }
      throw error;
    }
  }

  override async afterUnloadDocument(data: afterUnloadDocumentPayload): Promise<void> {
    if (this.destroyed) return;
    await super.afterUnloadDocument(data);
  }

  override async onDestroy(): Promise<void> {
    if (this.destroyed) return;
    this.state.destroyed = true;
    // Stop answering peers before the publisher goes (see the class comment).
    this.sub.removeAllListeners('messageBuffer');
    try {
      await super.onDestroy();
    } catch (error) {
      this.folio.log.debug({ err: error }, 'redis extension shutdown error');
    }
  }
}

type PeerMessageHandler = (channel: Buffer, data: Buffer) => Promise<void>;

/** Whether a peer's message (identifier prefix, then a Hocuspocus frame) is a sync message. */
function carriesSync(data: Buffer): boolean {
  try {
    const identifierLength = data[0] ?? 0;
    const decoder = decoding.createDecoder(data.subarray(1 + identifierLength));
    decoding.readVarString(decoder);
    const type = decoding.readVarUint(decoder);
    return type === MessageType.Sync || type === MessageType.SyncReply;
  } catch {
    return true;
  }
}

/**
 * Hocuspocus prints the message of any error a hook throws to stderr; the message is
 * left empty because this is an expected end of a load, logged above at debug.
 */
const shuttingDown = () => Object.assign(new Error(''), { reason: 'shutting down' });
