import { EventEmitter } from 'node:events';
import type { Logger } from './logger.js';
import type { Redis } from './redis.js';

/**
 * Changes made outside the collaboration server (REST writes, deletions, permission
 * changes) that live documents must learn about. The update log in Postgres is the
 * durable path; these events only tell collaboration instances to look at it:
 *
 * - `updated`: rows up to `seq` exist in `document_updates` (written by `actorId`);
 *   an instance holding the document applies the log rows it has not seen. `update` is
 *   the stored bytes (base64) when small, to spare that read.
 * - `deleted`: the document and its history are gone; disconnect its clients.
 * - `access-changed`: `userId`'s role on `documentId` (or on every document of
 *   `workspaceId`) changed or ended; re-check their open connections.
 *
 * With Redis every instance hears every event (one pub/sub channel); without it, the
 * bus is in-process, so the all-in-one `pnpm start` must hand the same bus to the API
 * and the collaboration server.
 */
export type DocumentEvent =
  | { type: 'updated'; documentId: string; seq: number; actorId: string | null; update?: string }
  | { type: 'deleted'; documentId: string }
  | { type: 'access-changed'; userId: string; documentId?: string; workspaceId?: string };

export type DocumentEventListener = (event: DocumentEvent) => void;

export interface DocumentEventBus {
  publish(event: DocumentEvent): Promise<void>;
  /** Returns an unsubscribe function. */
  subscribe(listener: DocumentEventListener): () => void;
  close(): Promise<void>;
}

/** Inline the update bytes in the event only below this size. */
export const INLINE_UPDATE_BYTES = 32 * 1024;

export const documentEventChannel = (prefix: string) => `${prefix}document-events`;

export function createDocumentEventBus(options: {
  redis?: Redis | undefined;
  keyPrefix?: string;
  log: Logger;
}): DocumentEventBus {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  const deliver = (event: DocumentEvent) => {
    for (const listener of emitter.listeners('event') as DocumentEventListener[]) {
      try {
        listener(event);
      } catch (error) {
        options.log.error({ err: error, event: event.type }, 'document event listener failed');
      }
    }
  };
  const { redis } = options;
  if (!redis) {
    return {
      publish: async (event) => deliver(event),
      subscribe: (listener) => {
        emitter.on('event', listener);
        return () => emitter.off('event', listener);
      },
      close: async () => {
        emitter.removeAllListeners();
      },
    };
  }

  const channel = documentEventChannel(options.keyPrefix ?? 'folio:');
  // A connection in subscriber mode can run no other command: subscribe lazily on a
  // duplicate, only once someone listens (the API alone never does).
  let subscriber: Redis | undefined;
  const ensureSubscribed = () => {
    if (subscriber) return;
    subscriber = redis.duplicate();
    subscriber.on('error', (error) => options.log.warn({ err: error }, 'document event subscriber error'));
    subscriber.on('message', (from: string, message: string) => {
      if (from !== channel) return;
      try {
        deliver(JSON.parse(message) as DocumentEvent);
      } catch (error) {
        options.log.warn({ err: error }, 'malformed document event');
      }
    });
    subscriber.subscribe(channel).catch((error) => {
      options.log.error({ err: error }, 'cannot subscribe to document events');
    });
  };
  return {
    publish: async (event) => {
      await redis.publish(channel, JSON.stringify(event));
    },
    subscribe: (listener) => {
      ensureSubscribed();
      emitter.on('event', listener);
      return () => emitter.off('event', listener);
    },
    close: async () => {
      emitter.removeAllListeners();
      subscriber?.disconnect();
      subscriber = undefined;
    },
  };
}
