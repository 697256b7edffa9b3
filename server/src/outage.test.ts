import { documentStateLoader } from '@folio/shared/commands';
import { type DatabaseHandle, openDatabase } from '@folio/shared/db';
import { buildDocument, buildUser, startTcpProxy } from '@folio/shared/testing';
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
        dataDir: '/nonexistent',
        log: ctx.log,
        poolSize: 4,
      });
      const a = await ctx.startServer({}, { db: handle.db });
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
        dataDir: '/nonexistent',
        log: ctx.log,
        poolSize: 4,
      });
      const a = await ctx.startServer({}, { db: handle.db });
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
      await handle?.close();
      await proxy.close();
    }
  });
});
