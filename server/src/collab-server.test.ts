import { createCollabBus, signConnectToken } from '@folio/shared';
import { documentStateLoader, liveConnectionRevoker, liveDocumentUpdater } from '@folio/shared/commands';
import { parseConfig } from '@folio/shared/config';
import { removeDocumentPermission } from '@folio/shared/db';
import { createLogger } from '@folio/shared/logger';
import { createRedis, type Redis } from '@folio/shared/redis';
import {
  buildApiToken,
  buildDocument,
  buildUser,
  createTestDatabase,
  grantDocumentRole,
  TEST_REDIS_URL,
  type TestDatabase,
  testRedisPrefix,
} from '@folio/shared/testing';
import { HocuspocusProvider, HocuspocusProviderWebsocket } from '@hocuspocus/provider';
import * as encoding from 'lib0/encoding';
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

  const tokenFor = (
    userId: string,
    documentId: string,
    role: 'owner' | 'editor' | 'viewer',
    ttlSeconds = 60,
  ) => signConnectToken({ userId, documentId, role, ttlSeconds }, SECRET).token;

  it('heals a dropped pub/sub message through anti-entropy', async () => {
    const owner = await buildUser(db.db);
    const document = await buildDocument(db.db, owner);
    const a = await startServer();
    const b = await startServer();
    const t = tokenFor(owner.id, document.id, 'owner');
    const onA = hocuspocusClient(a.url, document.id, t);
    const onB = hocuspocusClient(b.url, document.id, t);
    await vi.waitFor(() => expect(onA.provider.isSynced && onB.provider.isSynced).toBe(true));
    onA.doc.getText('t').insert(0, 'before');
    await vi.waitFor(() => expect(onB.doc.getText('t').toString()).toBe('before'));
    // From now on instance B loses every Redis message it is sent.
    b.server.redisExtension?.sub.removeAllListeners('messageBuffer');
    onA.doc.getText('t').insert(6, ' and after');
    await vi.waitFor(() => expect(onB.doc.getText('t').toString()).toBe('before and after'), {
      timeout: 3_000,
    });
  });

  it('keeps every update of concurrent writers on two instances (Postgres alone)', async () => {
    const owner = await buildUser(db.db);
    const document = await buildDocument(db.db, owner);
    const a = await startServer();
    const b = await startServer();
    const t = tokenFor(owner.id, document.id, 'owner');
    const clients = Array.from({ length: 6 }, (_, i) =>
      hocuspocusClient(i % 2 ? a.url : b.url, document.id, t),
    );
    await vi.waitFor(() => expect(clients.every((c) => c.provider.isSynced)).toBe(true));
    for (let round = 0; round < 20; round++) {
      clients.forEach((c, i) => {
        c.doc.getText('t').insert(0, String.fromCharCode(97 + i));
      });
      await new Promise((r) => setImmediate(r));
    }
    await vi.waitFor(() => expect(clients.every((c) => c.provider.unsyncedChanges === 0)).toBe(true));
    const stored = await documentStateLoader(db.db, document.id);
    expect(stored.doc.getText('t').length).toBe(120);
    await vi.waitFor(() => {
      for (const c of clients) expect(c.doc.getText('t').toString()).toBe(stored.doc.getText('t').toString());
    });
  });

  it('closes a revoked user on every instance within a second and refuses the reconnect', async () => {
    const owner = await buildUser(db.db);
    const editor = await buildUser(db.db);
    const document = await buildDocument(db.db, owner);
    await grantDocumentRole(db.db, document.id, editor.id, 'editor');
    const a = await startServer();
    const b = await startServer();
    const t = tokenFor(editor.id, document.id, 'editor');
    const onA = hocuspocusClient(a.url, document.id, t);
    const onB = yWebsocketClient(b.url, document.id, t);
    const ownerClient = hocuspocusClient(a.url, document.id, tokenFor(owner.id, document.id, 'owner'));
    await vi.waitFor(() =>
      expect(onA.provider.isSynced && onB.provider.synced && ownerClient.provider.isSynced).toBe(true),
    );
    const codes: number[] = [];
    onA.provider.on('close', ({ event }: { event: { code: number } }) => codes.push(event.code));
    onB.provider.on('connection-close', (event: { code: number } | null) => codes.push(event?.code ?? -1));
    await removeDocumentPermission(db.db, document.id, editor.id);
    const bus = createCollabBus({ redis, prefix, log });
    const revokedAt = Date.now();
    await liveConnectionRevoker(bus, { userId: editor.id, documentId: document.id });
    await vi.waitFor(() => expect(codes.slice(0, 2)).toEqual([4403, 4403]), { timeout: 1_000 });
    expect(Date.now() - revokedAt).toBeLessThan(1_000);
    onA.provider.destroy();
    onB.provider.destroy();
    expect(ownerClient.provider.isSynced).toBe(true);
    const retry = new WebSocket(`${b.url}/yjs/${document.id}?token=${t}`);
    const code = await new Promise<number>((done) => retry.on('close', (c) => done(c)));
    expect(code).toBe(4403);
    await bus.close();
  });

  it('applies a REST update to the live document on whichever instance holds it', async () => {
    const owner = await buildUser(db.db);
    const document = await buildDocument(db.db, owner);
    const a = await startServer({ ANTI_ENTROPY_MS: '60000' });
    const client = yWebsocketClient(a.url, document.id, tokenFor(owner.id, document.id, 'owner'));
    await vi.waitFor(() => expect(client.provider.synced).toBe(true));
    const source = new Y.Doc();
    Y.applyUpdate(source, Y.encodeStateAsUpdate(client.doc));
    source.getText('t').insert(0, 'via REST');
    const update = Y.encodeStateAsUpdate(source, Y.encodeStateVector(client.doc));
    const bus = createCollabBus({ redis, prefix, log });
    await liveDocumentUpdater(db.db, bus, { documentId: document.id, update, actorId: owner.id });
    // The anti-entropy period is a minute here: only the notification can be this fast.
    await vi.waitFor(() => expect(client.doc.getText('t').toString()).toBe('via REST'), { timeout: 2_000 });
    await expect(
      liveDocumentUpdater(db.db, bus, {
        documentId: document.id,
        update: Y.encodeStateAsUpdateV2(source),
        actorId: null,
      }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await bus.close();
  });

  it('ends a connection whose connect token expires, unless the Hocuspocus client refreshed it', async () => {
    const owner = await buildUser(db.db);
    const document = await buildDocument(db.db, owner);
    const a = await startServer();
    const yw = yWebsocketClient(a.url, document.id, tokenFor(owner.id, document.id, 'owner', 2));
    const closed = new Promise<number>((done) =>
      yw.provider.on('connection-close', (event: { code: number } | null) => done(event?.code ?? -1)),
    );
    const refreshing = new HocuspocusProvider({
      url: a.url,
      name: document.id,
      document: new Y.Doc(),
      token: () => tokenFor(owner.id, document.id, 'owner', 2),
    });
    cleanups.push(() => refreshing.destroy());
    const hpCodes: number[] = [];
    refreshing.on('close', ({ event }: { event: { code: number } }) => hpCodes.push(event.code));
    expect(await closed).toBe(4401);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(hpCodes).toEqual([]);
    expect(refreshing.isSynced).toBe(true);
  });

  it('enforces the document size and message rate limits', async () => {
    const owner = await buildUser(db.db);
    const document = await buildDocument(db.db, owner);
    const a = await startServer({ MAX_DOCUMENT_BYTES: '2048', MAX_MESSAGES_PER_SECOND: '5' });
    const t = tokenFor(owner.id, document.id, 'owner');
    const big = yWebsocketClient(a.url, document.id, t);
    const closed = new Promise<number>((done) =>
      big.provider.on('connection-close', (event: { code: number } | null) => done(event?.code ?? -1)),
    );
    await vi.waitFor(() => expect(big.provider.synced).toBe(true));
    big.doc.getText('t').insert(0, 'x'.repeat(4_000));
    expect(await closed).toBe(1009);
    big.provider.destroy();
    expect((await documentStateLoader(db.db, document.id)).doc.getText('t').toString()).toBe('');

    const flood = new WebSocket(`${a.url}/yjs/${document.id}?token=${t}`);
    await new Promise((r) => flood.once('open', r));
    const code = new Promise<number>((done) => flood.on('close', (c) => done(c)));
    for (let i = 0; i < 100; i++) flood.send(new Uint8Array([3]));
    expect(await code).toBe(4429);
  });

  it('serves several documents on one Hocuspocus socket, refusing only the one without access', async () => {
    const owner = await buildUser(db.db);
    const docs = [
      await buildDocument(db.db, owner),
      await buildDocument(db.db, owner),
      await buildDocument(db.db, owner),
    ];
    const a = await startServer();
    const socket = new HocuspocusProviderWebsocket({ url: a.url });
    cleanups.push(() => socket.destroy());
    const tokens = [
      tokenFor(owner.id, docs[0]?.id ?? '', 'owner'),
      'garbage',
      tokenFor(owner.id, docs[2]?.id ?? '', 'owner'),
    ];
    const failures: string[] = [];
    const providers = docs.map((d, i) => {
      const p = new HocuspocusProvider({
        websocketProvider: socket,
        name: d.id,
        token: tokens[i] ?? '',
        document: new Y.Doc(),
        onAuthenticationFailed: ({ reason }) => failures.push(`${i}:${reason}`),
      });
      p.attach();
      cleanups.push(() => p.destroy());
      return p;
    });
    await vi.waitFor(() => expect([providers[0]?.isSynced, providers[2]?.isSynced]).toEqual([true, true]));
    await vi.waitFor(() => expect(failures).toEqual(['1:unauthenticated']));
    providers[0]?.document.getText('t').insert(0, 'zero');
    providers[2]?.document.getText('t').insert(0, 'two');
    await vi.waitFor(async () => {
      expect((await documentStateLoader(db.db, docs[0]?.id ?? '')).doc.getText('t').toString()).toBe('zero');
      expect((await documentStateLoader(db.db, docs[2]?.id ?? '')).doc.getText('t').toString()).toBe('two');
    });
  });

  it('answers a y-websocket sync step only after the updates sent before it are committed', async () => {
    const owner = await buildUser(db.db);
    const document = await buildDocument(db.db, owner);
    // A slow group commit: an answer sent before the commit would be caught out.
    const a = await startServer({ COMMIT_DELAY_MS: '100' });
    const socket = new WebSocket(
      `${a.url}/yjs/${document.id}?token=${tokenFor(owner.id, document.id, 'owner')}`,
    );
    const rowsAtReply = new Promise<number>((done) =>
      socket.on('message', (data: Buffer) => {
        if (data[0] === 0 && data[1] === 1) {
          db.db
            .selectFrom('document_updates')
            .select('seq')
            .where('document_id', '=', document.id)
            .execute()
            .then((rows) => done(rows.length));
        }
      }),
    );
    await new Promise((r) => socket.once('open', r));
    const edit = new Y.Doc();
    edit.getText('t').insert(0, 'durable before answered');
    const frame = (syncType: number, payload: Uint8Array) => {
      const e = encoding.createEncoder();
      encoding.writeVarUint(e, 0);
      encoding.writeVarUint(e, syncType);
      encoding.writeVarUint8Array(e, payload);
      return encoding.toUint8Array(e);
    };
    socket.send(frame(2, Y.encodeStateAsUpdate(edit)));
    socket.send(frame(0, Y.encodeStateVector(new Y.Doc())));
    expect(await rowsAtReply).toBe(1);
    socket.close();
  });

  it('bounds what an unauthenticated Hocuspocus socket may queue', async () => {
    const a = await startServer();
    const socket = new WebSocket(a.url);
    await new Promise((r) => socket.once('open', r));
    const closed = new Promise<number>((done) => socket.on('close', (c) => done(c)));
    const e = encoding.createEncoder();
    encoding.writeVarString(e, 'some-document');
    encoding.writeVarUint(e, 3); // query awareness: harmless, but queued until auth
    const frame = encoding.toUint8Array(e);
    for (let i = 0; i < 300; i++) socket.send(frame);
    expect(await closed).toBe(4205);
  });

  it('lets a late-joining instance serve the latest state', async () => {
    const owner = await buildUser(db.db);
    const document = await buildDocument(db.db, owner);
    const a = await startServer();
    const t = tokenFor(owner.id, document.id, 'owner');
    const first = hocuspocusClient(a.url, document.id, t);
    await vi.waitFor(() => expect(first.provider.isSynced).toBe(true));
    first.doc.getText('t').insert(0, 'written before the second instance existed');
    await vi.waitFor(() => expect(first.provider.unsyncedChanges).toBe(0));
    const late = await startServer();
    const second = yWebsocketClient(late.url, document.id, t);
    await vi.waitFor(() =>
      expect(second.doc.getText('t').toString()).toBe('written before the second instance existed'),
    );
  });

  it('accepts API tokens (write scope edits, read scope only reads), audits per batch and exports metrics', async () => {
    const owner = await buildUser(db.db);
    const document = await buildDocument(db.db, owner);
    const writer = await buildApiToken(db.db, owner, ['read', 'write']);
    const reader = await buildApiToken(db.db, owner, ['read']);
    const a = await startServer();
    const w = hocuspocusClient(a.url, document.id, writer.token);
    const r = yWebsocketClient(a.url, document.id, reader.token);
    await vi.waitFor(() => expect(w.provider.isSynced && r.provider.synced).toBe(true));
    w.doc.getText('t').insert(0, 'written with an API token');
    r.doc.getText('t').insert(0, 'not with a read-only one; ');
    w.doc.getText('t').insert(0, '> ');
    await vi.waitFor(() => expect(r.doc.getText('t').toString()).toContain('> written with an API token'));
    await vi.waitFor(() => expect(w.provider.unsyncedChanges).toBe(0));
    expect(w.doc.getText('t').toString()).toBe('> written with an API token');

    const audit = await db.db
      .selectFrom('audit_events')
      .select(['actor_id', 'details'])
      .where('action', '=', 'document.update')
      .where('document_id', '=', document.id)
      .execute();
    expect(audit.every((e) => e.actor_id === owner.id)).toBe(true);
    const total = audit.reduce((sum, e) => sum + Number((e.details as { updates: number }).updates), 0);
    const rows = await db.db
      .selectFrom('document_updates')
      .select('seq')
      .where('document_id', '=', document.id)
      .execute();
    expect(total).toBe(rows.length);

    const metricsText = await (await fetch(`${a.url.replace('ws', 'http')}/metrics`)).text();
    for (const name of [
      'folio_connections',
      'folio_documents_loaded',
      'folio_messages_total',
      'folio_update_apply_seconds',
      'folio_store_seconds',
      'folio_store_batch_size',
      'folio_unsaved_update_bytes',
      'folio_redis_roundtrip_seconds',
    ]) {
      expect(metricsText).toContain(name);
    }
    expect(metricsText).toMatch(/folio_store_batch_size_count [1-9]/);
  });
});
