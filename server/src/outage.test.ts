import { createServer, type Server, Socket } from 'node:net';
import { documentStateLoader } from '@folio/shared/commands';
import { type DatabaseHandle, openDatabase } from '@folio/shared/db';
import { buildDocument, buildUser } from '@folio/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CollabTestContext, createCollabTestContext, eventually } from './testing.js';

/** A TCP proxy to Postgres on loopback that can be cut off (resets, then refusals) and restored. */
async function postgresProxy(target: URL) {
  const sockets = new Set<Socket>();
  let down = false;
  const server: Server = createServer((client) => {
    if (down) {
      client.destroy();
      return;
    }
    const upstream = new Socket();
    upstream.connect(Number(target.port || 5432), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => {
        sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: (() => {
      const u = new URL(target);
      u.host = `127.0.0.1:${port}`;
      return u.toString();
    })(),
    cut() {
      down = true;
      for (const s of sockets) s.destroy();
    },
    restore() {
      down = false;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let ctx: CollabTestContext;
beforeAll(async () => {
  ctx = await createCollabTestContext();
});
afterAll(() => ctx.close());

describe('a Postgres outage', () => {
  it('keeps clients editing together, acknowledges nothing until it is stored, then stores it all', async () => {
    const owner = await buildUser(ctx.db.db);
    const document = await buildDocument(ctx.db.db, owner);
    const proxy = await postgresProxy(new URL(ctx.db.url));
    let handle: DatabaseHandle | undefined;
    try {
      handle = await openDatabase({ url: proxy.url, dataDir: '/nonexistent', log: ctx.log, poolSize: 4 });
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
