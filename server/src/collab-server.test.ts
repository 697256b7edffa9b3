import { signConnectToken } from '@folio/shared';
import { documentStateLoader } from '@folio/shared/commands';
import { parseConfig } from '@folio/shared/config';
import { createLogger } from '@folio/shared/logger';
import { createRedis, type Redis } from '@folio/shared/redis';
import {
  buildDocument,
  buildUser,
  createTestDatabase,
  grantDocumentRole,
  TEST_REDIS_URL,
  type TestDatabase,
  testRedisPrefix,
} from '@folio/shared/testing';
import { HocuspocusProvider } from '@hocuspocus/provider';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { type CollabServer, createCollabServer } from './collab-server.js';
import { collabConfigSchema } from './config.js';

const SECRET = 's'.repeat(40);
const log = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent', name: 'collab-test' });

let db: TestDatabase;
let redis: Redis;
const prefix = testRedisPrefix();
const servers: CollabServer[] = [];
const cleanups: (() => void)[] = [];

async function startServer(env: Record<string, string> = {}): Promise<{ server: CollabServer; url: string }> {
  const config = parseConfig(collabConfigSchema, {
    COLLAB_PORT: '0',
    DATABASE_URL: db.url,
    SECRET_KEY: SECRET,
    REDIS_KEY_PREFIX: prefix,
    ANTI_ENTROPY_MS: '200',
    ...env,
  });
  const server = createCollabServer({ config, db: db.db, log, redis, secretKey: SECRET });
  servers.push(server);
  const port = await server.listen();
  return { server, url: `ws://127.0.0.1:${port}` };
}

function hocuspocusClient(url: string, documentId: string, token: string) {
  const doc = new Y.Doc();
  const provider = new HocuspocusProvider({ url, name: documentId, token, document: doc });
  cleanups.push(() => provider.destroy());
  return { doc, provider };
}

function yWebsocketClient(url: string, documentId: string, token: string) {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(`${url}/yjs`, documentId, doc, {
    params: { token },
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    disableBc: true,
  });
  cleanups.push(() => provider.destroy());
  return { doc, provider };
}

beforeAll(async () => {
  db = await createTestDatabase();
  redis = createRedis({ url: TEST_REDIS_URL, log, name: 'collab-test' }) as Redis;
});

afterAll(async () => {
  for (const c of cleanups) c();
  await Promise.all(servers.map((s) => s.close()));
  redis.disconnect();
  await db.drop();
});

describe('collaboration server', () => {
  it('converges a Hocuspocus and a y-websocket client on two instances, and stores attributed updates', async () => {
    const owner = await buildUser(db.db, { name: 'Olive Owner' });
    const editor = await buildUser(db.db, { name: 'Eddie Editor' });
    const document = await buildDocument(db.db, owner);
    await grantDocumentRole(db.db, document.id, editor.id, 'editor');
    const a = await startServer();
    const b = await startServer();
    const ownerToken = signConnectToken(
      { userId: owner.id, documentId: document.id, role: 'owner', ttlSeconds: 60 },
      SECRET,
    ).token;
    const editorToken = signConnectToken(
      { userId: editor.id, documentId: document.id, role: 'editor', ttlSeconds: 60 },
      SECRET,
    ).token;
    const hp = hocuspocusClient(a.url, document.id, ownerToken);
    const yw = yWebsocketClient(b.url, document.id, editorToken);
    await vi.waitFor(() => expect(yw.provider.synced).toBe(true), { timeout: 5_000 });
    await vi.waitFor(() => expect(hp.provider.isSynced).toBe(true), { timeout: 5_000 });

    hp.doc.getText('t').insert(0, 'hello');
    await vi.waitFor(() => expect(yw.doc.getText('t').toString()).toBe('hello'), { timeout: 5_000 });
    yw.doc.getText('t').insert(5, ' world');
    await vi.waitFor(() => expect(hp.doc.getText('t').toString()).toBe('hello world'), { timeout: 5_000 });

    // Awareness: identity comes from the server, whatever the client claims.
    yw.provider.awareness.setLocalStateField('user', { name: 'Mallory', id: 'someone-else', color: '#f00' });
    await vi.waitFor(
      () => {
        const states = [
          ...(hp.provider.awareness as NonNullable<typeof hp.provider.awareness>).getStates().values(),
        ];
        expect(states.map((s) => s.user)).toContainEqual({
          name: 'Eddie Editor',
          id: editor.id,
          color: '#f00',
        });
      },
      { timeout: 5_000 },
    );

    // Durable in Postgres alone, attributed to each author.
    await vi.waitFor(async () => {
      const loaded = await documentStateLoader(db.db, document.id);
      expect(loaded.doc.getText('t').toString()).toBe('hello world');
    });
    const actors = await db.db
      .selectFrom('document_updates')
      .select(['actor_id', 'connection_id'])
      .where('document_id', '=', document.id)
      .execute();
    expect(new Set(actors.map((r) => r.actor_id))).toEqual(new Set([owner.id, editor.id]));
    expect(actors.every((r) => r.connection_id)).toBe(true);
  });
});
