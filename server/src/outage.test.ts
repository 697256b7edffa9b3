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
