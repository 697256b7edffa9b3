import { EventEmitter } from 'node:events';
import type { Logger } from './logger.js';
import type { Redis } from './redis.js';
import { collabEventsChannel } from './redis-keys.js';
import { messagingAttributes, noopTracing, type Tracing } from './tracing/index.js';

/**
 * How the REST API (or the CLI) tells every collaboration instance that something
 * changed under it. With Redis it is one pub/sub channel, `<prefix>collab:events`; without
 * Redis (single process, `pnpm start`) it is an in-process emitter, so the launcher must
 * hand the same bus to the API and the collaboration server.
 *
 * Delivery is best effort by nature (pub/sub drops messages when a subscriber is
 * disconnected); the server does not rely on it for correctness: it also follows the
 * update log in Postgres, and revoked credentials are refused at every reconnect.
 */
export type CollabEvent =
  /**
   * Close the user's connections (all documents, or one), on every instance, at once.
   * With `tokenId` (an API token's or a browser session's id) only those authenticated
   * by that credential: directly with the API token, or with a connect token it minted.
   */
  | { type: 'revoke'; userId: string; documentId?: string | undefined; tokenId?: string | undefined }
  /** The update log of a document grew outside a WebSocket (REST update, restore). */
  | { type: 'document-updated'; documentId: string; seq: number }
  /** The document is gone: disconnect its clients and unload it. */
  | { type: 'document-deleted'; documentId: string }
  /**
   * An agent token just wrote the document: show `user: { id, name, agent }` in its
   * awareness for a while. `key` (the token id) makes one presence per agent token.
   */
  | { type: 'agent-presence'; documentId: string; userId: string; name: string; agent: string; key: string };

export interface CollabBus {
  /**
   * Best effort, and never rejects: a lost event is logged here, and every listener has
   * a fallback (revoked sockets fail their next authentication, clients of a deleted
   * document find it gone, the log follower picks up updates). Resolves once Redis took
   * the event, or after PUBLISH_WAIT_MS at most, so no request waits on a Redis outage.
   */
  publish(event: CollabEvent): Promise<void>;
  /** Resolves once listening; call the returned function to stop. */
  subscribe(listener: (event: CollabEvent) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

const MAX_EVENT_BYTES = 16 * 1024;
const PUBLISH_WAIT_MS = 2_000;

function parseEvent(text: string): CollabEvent | undefined {
  if (text.length > MAX_EVENT_BYTES) return undefined;
  try {
    const event = JSON.parse(text) as CollabEvent;
    if (event.type === 'revoke' && typeof event.userId === 'string') return event;
    if (event.type === 'document-updated' && typeof event.documentId === 'string') return event;
    if (event.type === 'document-deleted' && typeof event.documentId === 'string') return event;
    if (
      event.type === 'agent-presence' &&
      [event.documentId, event.userId, event.name, event.agent, event.key].every((v) => typeof v === 'string')
    ) {
      return event;
    }
  } catch {}
  return undefined;
}

export function createCollabBus(deps: {
  redis?: Redis | undefined;
  /** Redis key prefix (REDIS_KEY_PREFIX); tests use one of their own. */
  prefix: string;
  log: Logger;
  /** A producer span per event published within a traced request or job. */
  tracing?: Tracing | undefined;
}): CollabBus {
  const channel = collabEventsChannel(deps.prefix);
  const { redis, log } = deps;
  const tracing = deps.tracing ?? noopTracing;
  if (!redis) {
    const emitter = new EventEmitter();
    return {
      publish: async (event) => {
        // Asynchronous like Redis, so publishers never run subscribers' work inline.
        setImmediate(() => emitter.emit('event', event));
      },
      subscribe: async (listener) => {
        emitter.on('event', listener);
        return async () => {
          emitter.off('event', listener);
        };
      },
      close: async () => {
        emitter.removeAllListeners();
      },
    };
  }
  const subscribers = new Set<Redis>();
  return {
    publish: async (event) => {
      let timer: NodeJS.Timeout | undefined;
      const message = JSON.stringify(event);
      const started = performance.now();
      const span = (error?: unknown) =>
        tracing.recordSpan(`publish ${channel}`, {
          kind: 'producer',
          childOnly: true,
          durationMs: performance.now() - started,
          error,
          attributes: {
            ...messagingAttributes({
              system: 'redis',
              operation: 'publish',
              destination: channel,
              bodyBytes: Buffer.byteLength(message),
            }),
            'folio.event': event.type,
          },
        });
      const sent = redis.publish(channel, message).then(
        () => {
          span();
          return true;
        },
        (error: unknown) => {
          span(error);
          log.warn({ err: error, event: event.type }, 'collab bus: event not published');
          return true;
        },
      );
      const late = new Promise<boolean>((resolve) => {
        timer = setTimeout(resolve, PUBLISH_WAIT_MS, false);
      });
      if (!(await Promise.race([sent, late]))) {
        log.warn(
          { event: event.type, waitedMs: PUBLISH_WAIT_MS },
          'collab bus: Redis has not taken the event yet',
        );
      }
      clearTimeout(timer);
    },
    subscribe: async (listener) => {
      // A subscribed connection can do nothing else, hence a connection of its own.
      const sub = redis.duplicate();
      sub.on('error', (error) => log.warn({ err: error }, 'collab bus subscriber error'));
      subscribers.add(sub);
      sub.on('message', (_channel: string, message: string) => {
        const event = parseEvent(message);
        if (event) listener(event);
      });
      await sub.subscribe(channel);
      return async () => {
        subscribers.delete(sub);
        sub.disconnect();
      };
    },
    close: async () => {
      for (const sub of subscribers) sub.disconnect();
      subscribers.clear();
    },
  };
}
