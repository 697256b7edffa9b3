import { createCollabBus } from '@folio/shared';
import { documentStateLoader, documentUpdateApplier, documentUpdateRecorder } from '@folio/shared/commands';
import { deleteDocument, findDocumentState } from '@folio/shared/db';
import { buildDocument, buildUser } from '@folio/shared/testing';
import { sql } from 'kysely';
import * as encoding from 'lib0/encoding';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import * as Y from 'yjs';
import { type CollabTestContext, createCollabTestContext, eventually, syncFrame } from './testing.js';

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
    await documentUpdateApplier(ctx.db.db, { documentId: document.id, update, actorId: owner.id }, bus);
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
      documentUpdateApplier(
        ctx.db.db,
        { documentId: document.id, update: Y.encodeStateAsUpdateV2(source), actorId: owner.id },
        bus,
      ),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await bus.close();
  });

  it('compacts from memory without covering a row committed elsewhere that memory lacks', async () => {
    const owner = await buildUser(ctx.db.db);
    const document = await buildDocument(ctx.db.db, owner);
    // No anti-entropy round during the test: the row written behind the server's back
    // stays out of its memory, as a peer's commit whose message was lost would.
    const a = await ctx.startServer({ ANTI_ENTROPY_MS: '60000' });
    const client = ctx.hocuspocusClient(
      a.url,
      document.id,
      await ctx.tokenFor(owner.id, document.id, 'owner'),
    );
    await eventually(() => expect(client.provider.isSynced).toBe(true));
    client.doc.getText('t').insert(0, 'typed ');
    await eventually(() => expect(client.provider.hasUnsyncedChanges).toBe(false));
    const elsewhere = new Y.Doc();
    elsewhere.getText('t').insert(0, 'elsewhere');
    await documentUpdateRecorder(ctx.db.db, [
      {
        documentId: document.id,
        update: Y.encodeStateAsUpdate(elsewhere),
        actorId: owner.id,
        connectionId: null,
      },
    ]);
    const loaded = a.server.hocuspocus.documents.get(document.id);
    expect(loaded?.getText('t').toString()).toBe('typed ');
    await a.server.persistence.compact(document.id, loaded);
    const memory = await a.server.metrics.compactions.get();
    expect(memory.values.find((v) => v.labels.source === 'memory')?.value).toBe(1);
    // The snapshot holds what memory held, and claims no coverage of the other row:
    // a load from Postgres alone still finds it.
    // Through the repository: the stored snapshot is sealed with the document's key.
    const state = await findDocumentState(ctx.db.db, document.id);
    if (!state) throw new Error('no snapshot stored');
    const fromSnapshot = new Y.Doc();
    Y.applyUpdate(fromSnapshot, state.snapshot);
    expect(fromSnapshot.getText('t').toString()).toBe('typed ');
    const reloaded = await documentStateLoader(ctx.db.db, document.id);
    expect(reloaded.doc.getText('t').toString()).toContain('typed ');
    expect(reloaded.doc.getText('t').toString()).toContain('elsewhere');
    expect(reloaded.rowsAfterSnapshot).toBeGreaterThanOrEqual(1);
    reloaded.doc.destroy();
  });

  it('never compacts from memory while an applied update waits for its commit', async () => {
    const owner = await buildUser(ctx.db.db);
    const document = await buildDocument(ctx.db.db, owner);
    const a = await ctx.startServer();
    const client = ctx.hocuspocusClient(
      a.url,
      document.id,
      await ctx.tokenFor(owner.id, document.id, 'owner'),
    );
    await eventually(() => expect(client.provider.isSynced).toBe(true));
    // A committed row first, so that memory has something a compaction would write.
    client.doc.getText('t').insert(0, 'durable ');
    await eventually(() => expect(client.provider.hasUnsyncedChanges).toBe(false));
    // Holding the document row FOR UPDATE blocks the append's foreign-key check (KEY
    // SHARE): the update is applied and broadcast, its commit waits.
    let release = () => {};
    const held = new Promise<void>((r) => {
      release = r;
    });
    let locked = () => {};
    const isLocked = new Promise<void>((r) => {
      locked = r;
    });
    const holder = ctx.db.db.transaction().execute(async (trx) => {
      await trx.selectFrom('documents').select('id').where('id', '=', document.id).forUpdate().execute();
      locked();
      await held;
    });
    await isLocked;
    client.doc.getText('t').insert(8, 'not yet durable');
    const loaded = a.server.hocuspocus.documents.get(document.id);
    await eventually(() => expect(loaded?.getText('t').toString()).toBe('durable not yet durable'));
    expect(client.provider.hasUnsyncedChanges).toBe(true);
    // A snapshot's write waits on the same row lock: start it, then let both go.
    const compaction = a.server.persistence.compact(document.id, loaded);
    await new Promise((r) => setImmediate(r));
    release();
    await holder;
    await compaction;
    // Memory held an update not yet committed: the snapshot came from Postgres (which
    // holds only committed rows), never from memory.
    const counts = await a.server.metrics.compactions.get();
    expect(counts.values.find((v) => v.labels.source === 'memory')).toBeUndefined();
    await eventually(() => expect(client.provider.hasUnsyncedChanges).toBe(false));
  });

  it('fetches only the log rows a document does not hold: its own commits are skipped', async () => {
    const owner = await buildUser(ctx.db.db);
    const document = await buildDocument(ctx.db.db, owner);
    const a = await ctx.startServer();
    const client = ctx.hocuspocusClient(
      a.url,
      document.id,
      await ctx.tokenFor(owner.id, document.id, 'owner'),
    );
    await eventually(() => expect(client.provider.isSynced).toBe(true));
    for (let i = 0; i < 20; i++) client.doc.getText('t').insert(i, 'x');
    await eventually(() => expect(client.provider.unsyncedChanges).toBe(0));
    // A REST write with no notification: only the follower brings it in.
    const source = new Y.Doc();
    Y.applyUpdate(source, Y.encodeStateAsUpdate(client.doc));
    source.getText('t').insert(0, 'REST ');
    const update = Y.encodeStateAsUpdate(source, Y.encodeStateVector(client.doc));
    await documentUpdateApplier(ctx.db.db, { documentId: document.id, update, actorId: owner.id });
    await eventually(() => expect(client.doc.getText('t').toString()).toBe(`REST ${'x'.repeat(20)}`));
    // Several follower rounds later, the 20 own rows were never fetched.
    await new Promise((resolve) => setTimeout(resolve, 600));
    const applied = await a.server.metrics.antiEntropyApplied.get();
    expect(applied.values[0]?.value).toBe(1);
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
    const relayed = await b.server.metrics.relayedUpdates.get();
    expect(relayed.values.find((v) => v.labels.direction === 'in')?.value).toBeGreaterThan(0);
    // From now on instance B loses every committed update relayed to it.
    b.server.relay?.subscriber.removeAllListeners('messageBuffer');
    onA.doc.getText('t').insert(6, ' and after');
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

  it('broadcasts an update before its commit, and acknowledges it only after', async () => {
    const owner = await buildUser(ctx.db.db);
    const document = await buildDocument(ctx.db.db, owner);
    const a = await ctx.startServer();
    const t = await ctx.tokenFor(owner.id, document.id, 'owner');
    const writer = ctx.hocuspocusClient(a.url, document.id, t);
    const reader = ctx.yWebsocketClient(a.url, document.id, t);
    await eventually(() => expect(writer.provider.isSynced && reader.provider.synced).toBe(true));
    // Hold every insert into the update log on a connection of its own: the commit
    // cannot finish until this transaction ends.
    await ctx.db.db.connection().execute(async (blocker) => {
      await sql`begin`.execute(blocker);
      await sql`lock table document_updates in share mode`.execute(blocker);
      writer.doc.getText('t').insert(0, 'seen before stored');
      await eventually(() => expect(reader.doc.getText('t').toString()).toBe('seen before stored'));
      expect(writer.provider.unsyncedChanges).toBeGreaterThan(0);
      // A y-websocket sync step now is answered only after the held commit too.
      let answered = false;
      const probe = new WebSocket(`${a.url}/yjs/${document.id}?token=${t}`);
      probe.on('message', (data: Buffer) => {
        if (data[0] === 0 && data[1] === 1) answered = true;
      });
      await new Promise((r) => probe.once('open', r));
      probe.send(syncFrame(0, Y.encodeStateVector(new Y.Doc())));
      await new Promise((r) => setTimeout(r, 300));
      expect(writer.provider.unsyncedChanges).toBeGreaterThan(0);
      expect(answered).toBe(false);
      await sql`commit`.execute(blocker);
      await eventually(() => expect(writer.provider.unsyncedChanges).toBe(0));
      await eventually(() => expect(answered).toBe(true));
      probe.close();
    });
    const stored = await documentStateLoader(ctx.db.db, document.id);
    expect(stored.doc.getText('t').toString()).toBe('seen before stored');
  });

  it('reloads a document whose commit failed after the broadcast; clients resend what was lost', async () => {
    const author = await buildUser(ctx.db.db);
    const other = await buildUser(ctx.db.db);
    const document = await buildDocument(ctx.db.db, author);
    await ctx.db.db
      .insertInto('document_permissions')
      .values({ document_id: document.id, user_id: other.id, role: 'editor', granted_by: author.id })
      .execute();
    const a = await ctx.startServer();
    const writer = ctx.hocuspocusClient(
      a.url,
      document.id,
      await ctx.tokenFor(author.id, document.id, 'owner'),
    );
    const relay = ctx.yWebsocketClient(
      a.url,
      document.id,
      await ctx.tokenFor(other.id, document.id, 'editor'),
    );
    await eventually(() => expect(writer.provider.isSynced && relay.provider.synced).toBe(true));
    const closes: number[] = [];
    relay.provider.on('connection-close', (event: { code: number } | null) => closes.push(event?.code ?? -1));
    // Every insert for this document fails, through every retry of the committer.
    await sql`create function fail_insert() returns trigger language plpgsql as $$
      begin raise exception 'storage refuses'; end $$`.execute(ctx.db.db);
    await sql`create trigger fail_insert before insert on document_updates for each row
      when (new.document_id = ${sql.lit(document.id)}) execute function fail_insert()`.execute(ctx.db.db);
    writer.doc.getText('t').insert(0, 'written while storage fails');
    // Broadcast at once, before any commit: the other client holds it...
    await eventually(() => expect(relay.doc.getText('t').toString()).toBe('written while storage fails'));
    // ...then the commit fails for good and the document's connections are closed (1013).
    await eventually(() => expect(closes).toContain(1013), { timeout: 15_000 });
    expect(writer.provider.unsyncedChanges).toBeGreaterThan(0);
    await sql`drop trigger fail_insert on document_updates`.execute(ctx.db.db);
    // Both clients reconnect to a copy loaded from storage and resend what it lacks.
    await eventually(() => expect(writer.provider.unsyncedChanges).toBe(0), { timeout: 20_000 });
    await eventually(async () => {
      const stored = await documentStateLoader(ctx.db.db, document.id);
      expect(stored.doc.getText('t').toString()).toBe('written while storage fails');
    });
    const metric = await a.server.metrics.divergedDocuments.get();
    expect(metric.values[0]?.value).toBe(1);
    // The edit is the author's, whichever client resent it first.
    const actors = await ctx.db.db
      .selectFrom('document_updates')
      .select('actor_id')
      .where('document_id', '=', document.id)
      .execute();
    expect(actors.map((r) => r.actor_id)).not.toContain(other.id);
  });
});
