/**
 * Test support for the server's integration tests: collaboration servers on port 0
 * against a per-file Postgres database and Redis prefix, and the real clients. Never
 * used by production code.
 */

import { signConnectToken } from '@folio/shared';
import { sessionStarter } from '@folio/shared/commands';
import { parseConfig } from '@folio/shared/config';
import type { Db, DocumentRole } from '@folio/shared/db';
import { createLogger } from '@folio/shared/logger';
import { createRedis, type Redis } from '@folio/shared/redis';
import {
  createTestDatabase,
  type TestDatabase,
  testRedisConnection,
  testRedisPrefix,
} from '@folio/shared/testing';
import type { Tracing } from '@folio/shared/tracing';
import { HocuspocusProvider } from '@hocuspocus/provider';
import * as encoding from 'lib0/encoding';
import { vi } from 'vitest';
import { WebSocket } from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { type CollabServer, createCollabServer } from './collab-server.js';
import { collabConfigSchema } from './config.js';

export const TEST_SECRET = 's'.repeat(40);

export interface CollabTestContext {
  db: TestDatabase;
  redis: Redis;
  prefix: string;
  log: ReturnType<typeof createLogger>;
  startServer(
    env?: Record<string, string>,
    /**
     * `db`, `redis`: handles of the server's own (e.g. through a proxy that can cut them
     * off); by default the context's.
     */
    options?: { tracing?: Tracing; db?: Db; redis?: Redis },
  ): Promise<{ server: CollabServer; url: string }>;
  hocuspocusClient(
    url: string,
    documentId: string,
    token: string,
  ): { doc: Y.Doc; provider: HocuspocusProvider };
  yWebsocketClient(
    url: string,
    documentId: string,
    token: string,
  ): { doc: Y.Doc; provider: WebsocketProvider };
  /**
   * A connect token for the user, minted (as the API would) through a browser session of
   * theirs that this context starts once per user.
   */
  tokenFor(userId: string, documentId: string, role: DocumentRole, ttlSeconds?: number): Promise<string>;
  /** Runs at teardown (providers to destroy and the like). */
  defer(cleanup: () => void): void;
  close(): Promise<void>;
}

export async function createCollabTestContext(): Promise<CollabTestContext> {
  const db = await createTestDatabase();
  const log = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent', name: 'collab-test' });
  const redis = createRedis({ ...testRedisConnection(), log, name: 'collab-test' }) as Redis;
  const prefix = testRedisPrefix();
  const servers: CollabServer[] = [];
  const cleanups: (() => void)[] = [];
  const sessions = new Map<string, Promise<string>>();
  return {
    db,
    redis,
    prefix,
    log,
    async startServer(env = {}, options = {}) {
      const config = parseConfig(collabConfigSchema, {
        COLLAB_PORT: '0',
        DATABASE_URL: db.url,
        SECRET_KEY: TEST_SECRET,
        // The run's key file (global set-up), which the test database's handle uses too.
        KEY_FILE: process.env.KEY_FILE,
        REDIS_KEY_PREFIX: prefix,
        ANTI_ENTROPY_MS: '200',
        ...env,
      });
      const server = createCollabServer({
        config,
        db: options.db ?? db.db,
        log,
        redis: options.redis ?? redis,
        secretKey: TEST_SECRET,
        tracing: options.tracing,
      });
      servers.push(server);
      const port = await server.listen();
      return { server, url: `ws://127.0.0.1:${port}` };
    },
    hocuspocusClient(url, documentId, token) {
      const doc = new Y.Doc();
      const provider = new HocuspocusProvider({ url, name: documentId, token, document: doc });
      cleanups.push(() => provider.destroy());
      return { doc, provider };
    },
    yWebsocketClient(url, documentId, token) {
      const doc = new Y.Doc();
      const provider = new WebsocketProvider(`${url}/yjs`, documentId, doc, {
        params: { token },
        WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
        disableBc: true,
      });
      cleanups.push(() => provider.destroy());
      return { doc, provider };
    },
    async tokenFor(userId, documentId, role, ttlSeconds = 60) {
      let session = sessions.get(userId);
      if (!session) {
        session = sessionStarter(db.db, { userId }).then((s) => s.sessionId);
        sessions.set(userId, session);
      }
      const credentialId = await session;
      return signConnectToken({ userId, documentId, role, credentialId, ttlSeconds }, TEST_SECRET).token;
    },
    defer: (cleanup) => cleanups.push(cleanup),
    async close() {
      for (const c of cleanups) c();
      await Promise.all(servers.map((s) => s.close()));
      redis.disconnect();
      await db.drop();
    },
  };
}

/** A retrying assertion with a timeout that holds on a loaded 2-core machine. */
export const eventually = <T>(assertion: () => T | Promise<T>, options: { timeout?: number } = {}) =>
  vi.waitFor(assertion, { timeout: options.timeout ?? 10_000, interval: 20 });

/** A y-websocket sync frame (message type 0) of the given sync step and payload. */
export function syncFrame(syncType: number, payload: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 0);
  encoding.writeVarUint(e, syncType);
  encoding.writeVarUint8Array(e, payload);
  return encoding.toUint8Array(e);
}
