import { createCollabBus } from '@folio/shared';
import { liveDocumentUpdater } from '@folio/shared/commands';
import { deleteDocument } from '@folio/shared/db';
import { buildDocument, buildUser } from '@folio/shared/testing';
import * as encoding from 'lib0/encoding';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import * as Y from 'yjs';
import { type CollabTestContext, createCollabTestContext, eventually } from './testing.js';

let ctx: CollabTestContext;
beforeAll(async () => {
  ctx = await createCollabTestContext();
});
afterAll(() => ctx.close());

describe('persistence and anti-entropy', () => {
  it('answers a y-websocket sync step only after the updates sent before it are committed', async () => {
    const owner = await buildUser(ctx.db.db);
    const document = await buildDocument(ctx.db.db, owner);
    // A slow group commit: an answer sent before the commit would be caught out.
    const a = await ctx.startServer({ COMMIT_DELAY_MS: '100' });
    const socket = new WebSocket(
      `${a.url}/yjs/${document.id}?token=${await ctx.tokenFor(owner.id, document.id, 'owner')}`,
    );
    const rowsAtReply = new Promise<number>((done) =>
      socket.on('message', (data: Buffer) => {
        if (data[0] === 0 && data[1] === 1) {
          ctx.db.db
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

  it('applies a REST update to the live document on whichever instance holds it', async () => {
    const owner = await buildUser(ctx.db.db);
    const document = await buildDocument(ctx.db.db, owner);
    const a = await ctx.startServer({ ANTI_ENTROPY_MS: '60000' });
    const client = ctx.yWebsocketClient(
      a.url,
      document.id,
      await ctx.tokenFor(owner.id, document.id, 'owner'),
    );
    await eventually(() => expect(client.provider.synced).toBe(true));
    const source = new Y.Doc();
    Y.applyUpdate(source, Y.encodeStateAsUpdate(client.doc));
    source.getText('t').insert(0, 'via REST');
    const update = Y.encodeStateAsUpdate(source, Y.encodeStateVector(client.doc));
    const bus = createCollabBus({ redis: ctx.redis, prefix: ctx.prefix, log: ctx.log });
    await liveDocumentUpdater(ctx.db.db, bus, { documentId: document.id, update, actorId: owner.id });
    // The anti-entropy period is a minute here: only the notification can be this fast
    // (the bound is generous for a loaded machine, and still far below that minute).
    await eventually(() => expect(client.doc.getText('t').toString()).toBe('via REST'), {
      timeout: 15_000,
    });
    const indexed = await ctx.db.db
      .selectFrom('document_search')
      .select('body')
      .where('document_id', '=', document.id)
      .executeTakeFirst();
    expect(indexed?.body).toBe('via REST');
    await expect(
      liveDocumentUpdater(ctx.db.db, bus, {
        documentId: document.id,
        update: Y.encodeStateAsUpdateV2(source),
        actorId: null,
      }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await bus.close();
  });

  it('heals a dropped pub/sub message through anti-entropy', async () => {
    const owner = await buildUser(ctx.db.db);
    const document = await buildDocument(ctx.db.db, owner);
    const a = await ctx.startServer();
    const b = await ctx.startServer();
    const t = await ctx.tokenFor(owner.id, document.id, 'owner');
    const onA = ctx.hocuspocusClient(a.url, document.id, t);
    const onB = ctx.hocuspocusClient(b.url, document.id, t);
    await eventually(() => expect(onA.provider.isSynced && onB.provider.isSynced).toBe(true));
    onA.doc.getText('t').insert(0, 'before');
    await eventually(() => expect(onB.doc.getText('t').toString()).toBe('before'));
    // From now on instance B loses every Redis message it is sent.
    b.server.redisExtension?.sub.removeAllListeners('messageBuffer');
    onA.doc.getText('t').insert(6, ' and after');
    // Anti-entropy runs every 200 ms here; the state-vector exchange, which could heal
    // this too, only every 10 s, so the bound stays below it (and the metric below says
    // which path healed it).
    await eventually(() => expect(onB.doc.getText('t').toString()).toBe('before and after'), {
      timeout: 8_000,
    });
    const applied = await b.server.metrics.antiEntropyApplied.get();
    expect(applied.values[0]?.value).toBeGreaterThan(0);
  });

  it('disconnects the clients of a deleted document, even without a bus message', async () => {
    const owner = await buildUser(ctx.db.db);
    const document = await buildDocument(ctx.db.db, owner);
    const a = await ctx.startServer();
    const client = ctx.yWebsocketClient(
      a.url,
      document.id,
      await ctx.tokenFor(owner.id, document.id, 'owner'),
    );
    const closed = new Promise<number>((done) =>
      client.provider.on('connection-close', (event: { code: number } | null) => done(event?.code ?? -1)),
    );
    await eventually(() => expect(client.provider.synced).toBe(true));
    await deleteDocument(ctx.db.db, document.id);
    expect(await closed).toBe(4404);
  });

  it('converges in-memory state that never reached the log through the state-vector exchange', async () => {
    const owner = await buildUser(ctx.db.db);
    const document = await buildDocument(ctx.db.db, owner);
    const a = await ctx.startServer({ STATE_VECTOR_EXCHANGE_MS: '200' });
    const b = await ctx.startServer({ STATE_VECTOR_EXCHANGE_MS: '200' });
    const t = await ctx.tokenFor(owner.id, document.id, 'owner');
    const onA = ctx.hocuspocusClient(a.url, document.id, t);
    const onB = ctx.hocuspocusClient(b.url, document.id, t);
    await eventually(() => expect(onA.provider.isSynced && onB.provider.isSynced).toBe(true));
    // State only instance B holds: applied as if relayed, so neither stored nor published.
    const extra = new Y.Doc();
    extra.getText('t').insert(0, 'only in memory on B');
    const live = b.server.hocuspocus.documents.get(document.id);
    if (!live) throw new Error('document not loaded on B');
    Y.applyUpdate(live, Y.encodeStateAsUpdate(extra), { source: 'redis' });
    // Nothing else can heal this: the state is in no log and was never published.
    await eventually(() => expect(onA.doc.getText('t').toString()).toBe('only in memory on B'));
  });
});
