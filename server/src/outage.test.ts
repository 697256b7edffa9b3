import { documentStateLoader } from '@folio/shared/commands';
import { type DatabaseHandle, openDatabase } from '@folio/shared/db';
import { createRedis, type Redis } from '@folio/shared/redis';
import { buildDocument, buildUser, startTcpProxy, TEST_REDIS_URL, testKeyring } from '@folio/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CollabTestContext, createCollabTestContext, eventually } from './testing.js';

let ctx: CollabTestContext;
beforeAll(async () => {
  ctx = await createCollabTestContext();
});
afterAll(() => ctx.close());

describe('a Postgres outage', () => {
  it('keeps clients editing together, acknowledges nothing until it is stored, then stores it all', async () => {
    const owner = await buildUser(ctx.db.db);
    const document = await buildDocument(ctx.db.db, owner);
    const target = new URL(ctx.db.url);
    const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    let handle: DatabaseHandle | undefined;
    try {
      handle = await openDatabase({
        url: proxy.url(ctx.db.url),
        keyring: await testKeyring(),
        dataDir: '/nonexistent',
        log: ctx.log,
        poolSize: 4,
      });
      const a = await ctx.startServer({}, { db: handle.db });
      running.push(a);
      const t = await ctx.tokenFor(owner.id, document.id, 'owner');
      const writer = ctx.hocuspocusClient(a.url, document.id, t);
      const reader = ctx.yWebsocketClient(a.url, document.id, t);
      await eventually(() => expect(writer.provider.isSynced && reader.provider.synced).toBe(true));
      writer.doc.getText('t').insert(0, 'before; ');
      await eventually(() => expect(writer.provider.unsyncedChanges).toBe(0));

      proxy.cut();
      for (const word of ['written ', 'while ', 'Postgres ', 'is ', 'down']) {
        writer.doc.getText('t').insert(writer.doc.getText('t').length, word);
      }
      // Shown to the other client at once, acknowledged to nobody.
      await eventually(() =>
        expect(reader.doc.getText('t').toString()).toBe('before; written while Postgres is down'),
      );
      await new Promise((r) => setTimeout(r, 1_500));
      expect(writer.provider.unsyncedChanges).toBeGreaterThan(0);
      const ready = await fetch(`${a.url.replace('ws', 'http')}/readyz`);
      expect(ready.status).toBe(503);

      proxy.restore();
      await eventually(() => expect(writer.provider.unsyncedChanges).toBe(0), { timeout: 20_000 });
      const stored = await documentStateLoader(ctx.db.db, document.id);
      expect(stored.doc.getText('t').toString()).toBe('before; written while Postgres is down');
      // Nothing was reloaded: the outage was waited out, not treated as a lost commit.
      expect((await a.server.metrics.divergedDocuments.get()).values[0]?.value ?? 0).toBe(0);
    } finally {
      proxy.restore();
      await closeServers();
      await handle?.close();
      await proxy.close();
    }
  });
});

describe('connecting while Postgres is down', () => {
  it('refuses Hocuspocus and y-websocket clients retryably, and they sync once it is back', async () => {
    const owner = await buildUser(ctx.db.db);
    const document = await buildDocument(ctx.db.db, owner);
    const target = new URL(ctx.db.url);
    const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    let handle: DatabaseHandle | undefined;
    try {
      handle = await openDatabase({
        url: proxy.url(ctx.db.url),
        keyring: await testKeyring(),
        dataDir: '/nonexistent',
        log: ctx.log,
        poolSize: 4,
      });
      const a = await ctx.startServer({}, { db: handle.db });
      running.push(a);
      const t = await ctx.tokenFor(owner.id, document.id, 'owner');
      proxy.cut();
      const hp = ctx.hocuspocusClient(a.url, document.id, t);
      const yw = ctx.yWebsocketClient(a.url, document.id, t);
      const failures: string[] = [];
      hp.provider.on('authenticationFailed', ({ reason }: { reason: string }) => failures.push(reason));
      const codes: number[] = [];
      hp.provider.on('close', ({ event }: { event: { code: number } }) => codes.push(event.code));
      yw.provider.on('connection-close', (event: { code: number } | null) => codes.push(event?.code ?? -1));
      await eventually(() => expect(codes.filter((c) => c === 1013).length).toBeGreaterThanOrEqual(2));
      // Told to come back later, not that the token is bad (a provider stops on that).
      expect(failures).toEqual([]);
      proxy.restore();
      await eventually(() => expect(hp.provider.isSynced && yw.provider.synced).toBe(true), {
        timeout: 20_000,
      });
      hp.doc.getText('t').insert(0, 'back');
      await eventually(() => expect(yw.doc.getText('t').toString()).toBe('back'));
    } finally {
      proxy.restore();
      await closeServers();
      await handle?.close();
      await proxy.close();
    }
  });
});

/** Servers of the test that is running, closed before the handle they use goes. */
const running: { server: { close(): Promise<void> } }[] = [];
async function closeServers() {
  await Promise.all(running.splice(0).map((r) => r.server.close()));
}

/** Both ends of a cut-off Postgres: a proxy and a database handle through it. */
async function cutOffDatabase() {
  const target = new URL(ctx.db.url);
  const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
  const handle = await openDatabase({
    url: proxy.url(ctx.db.url),
    keyring: await testKeyring(),
    dataDir: '/nonexistent',
    log: ctx.log,
    poolSize: 4,
  });
  return {
    proxy,
    db: handle.db,
    close: async () => {
      proxy.restore();
      await handle.close();
      await proxy.close();
    },
  };
}

describe('a Postgres outage across instances', () => {
  it('keeps each instance editing; other instances get the edits once they are stored', async () => {
    const owner = await buildUser(ctx.db.db);
    const document = await buildDocument(ctx.db.db, owner);
    const database = await cutOffDatabase();
    try {
      const a = await ctx.startServer({}, { db: database.db });
      const b = await ctx.startServer({}, { db: database.db });
      running.push(a, b);
      const t = await ctx.tokenFor(owner.id, document.id, 'owner');
      const writer = ctx.hocuspocusClient(a.url, document.id, t);
      const sameInstance = ctx.yWebsocketClient(a.url, document.id, t);
      const otherInstance = ctx.hocuspocusClient(b.url, document.id, t);
      await eventually(() =>
        expect(
          writer.provider.isSynced && sameInstance.provider.synced && otherInstance.provider.isSynced,
        ).toBe(true),
      );
      database.proxy.cut();
      writer.doc.getText('t').insert(0, 'during the outage');
      await eventually(() => expect(sameInstance.doc.getText('t').toString()).toBe('during the outage'));
      // Only stored edits cross instances (so that no one builds on an edit that may be
      // lost): the other instance's client sees nothing until Postgres is back.
      await new Promise((r) => setTimeout(r, 1_000));
      expect(otherInstance.doc.getText('t').toString()).toBe('');
      expect(writer.provider.unsyncedChanges).toBeGreaterThan(0);
      for (const server of [a, b]) {
        expect((await fetch(`${server.url.replace('ws', 'http')}/readyz`)).status).toBe(503);
      }
      database.proxy.restore();
      await eventually(() => expect(otherInstance.doc.getText('t').toString()).toBe('during the outage'), {
        timeout: 20_000,
      });
      await eventually(() => expect(writer.provider.unsyncedChanges).toBe(0));
      const stored = await documentStateLoader(ctx.db.db, document.id);
      expect(stored.doc.getText('t').toString()).toBe('during the outage');
    } finally {
      await closeServers();
      await database.close();
    }
  });

  it('bounds what waits for storage: past MAX_UNCOMMITTED_BYTES writers wait, then are refused with 1013', async () => {
    const owner = await buildUser(ctx.db.db);
    const document = await buildDocument(ctx.db.db, owner);
    const database = await cutOffDatabase();
    try {
      const a = await ctx.startServer({ MAX_UNCOMMITTED_BYTES: '1024' }, { db: database.db });
      running.push(a);
      const t = await ctx.tokenFor(owner.id, document.id, 'owner');
      const writer = ctx.hocuspocusClient(a.url, document.id, t);
      const codes: number[] = [];
      writer.provider.on('close', ({ event }: { event: { code: number } }) => codes.push(event.code));
      await eventually(() => expect(writer.provider.isSynced).toBe(true));
      database.proxy.cut();
      for (let i = 0; i < 20; i++) writer.doc.getText('t').insert(0, 'x'.repeat(200));
      // Held for up to 10 s (storage may come back), then refused plainly.
      await eventually(() => expect(codes).toContain(1013), { timeout: 20_000 });
      database.proxy.restore();
      // The provider reconnects and resends; all of it is stored.
      await eventually(() => expect(writer.provider.unsyncedChanges).toBe(0), { timeout: 20_000 });
      const stored = await documentStateLoader(ctx.db.db, document.id);
      expect(stored.doc.getText('t').toString()).toHaveLength(4_000);
    } finally {
      await closeServers();
      await database.close();
    }
  }, 60_000);
});

describe('a Redis outage', () => {
  it('keeps every instance serving its clients; instances converge through Postgres, and again over Redis after', async () => {
    const owner = await buildUser(ctx.db.db);
    const document = await buildDocument(ctx.db.db, owner);
    const target = new URL(TEST_REDIS_URL);
    const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
    const redis = [0, 1].map(
      () => createRedis({ url: proxy.url(TEST_REDIS_URL), log: ctx.log, name: 'outage' }) as Redis,
    );
    try {
      const a = await ctx.startServer({}, { redis: redis[0] });
      const b = await ctx.startServer({}, { redis: redis[1] });
      const t = await ctx.tokenFor(owner.id, document.id, 'owner');
      const onA = ctx.hocuspocusClient(a.url, document.id, t);
      const alsoOnA = ctx.yWebsocketClient(a.url, document.id, t);
      const onB = ctx.yWebsocketClient(b.url, document.id, t);
      await eventually(() =>
        expect(onA.provider.isSynced && alsoOnA.provider.synced && onB.provider.synced).toBe(true),
      );
      proxy.cut();
      onA.doc.getText('t').insert(0, 'A;');
      onB.doc.getText('t').insert(0, 'B;');
      await eventually(() => expect(alsoOnA.doc.getText('t').toString()).toContain('A;'));
      // Acknowledged (stored) without Redis; the log follower carries edits across.
      await eventually(() => expect(onA.provider.unsyncedChanges).toBe(0));
      await eventually(() => {
        for (const c of [onA, alsoOnA, onB]) expect(c.doc.getText('t').toString()).toMatch(/^(A;B;|B;A;)$/);
      });
      proxy.restore();
      await eventually(() => expect(redis.every((r) => r.status === 'ready')).toBe(true), {
        timeout: 20_000,
      });
      onB.doc.getText('t').insert(0, 'after;');
      await eventually(() => {
        for (const c of [onA, alsoOnA])
          expect(c.doc.getText('t').toString()).toBe(onB.doc.getText('t').toString());
      });
      const stored = await documentStateLoader(ctx.db.db, document.id);
      expect(stored.doc.getText('t').toString()).toBe(onB.doc.getText('t').toString());
    } finally {
      proxy.restore();
      for (const r of redis) r.disconnect();
      await proxy.close();
    }
  });
});
