import { documentStateLoader } from '@folio/shared/commands';
import { buildDocument, buildUser, grantDocumentRole } from '@folio/shared/testing';
import { HocuspocusProvider, HocuspocusProviderWebsocket } from '@hocuspocus/provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { type CollabTestContext, createCollabTestContext, eventually } from './testing.js';

let ctx: CollabTestContext;
beforeAll(async () => {
  ctx = await createCollabTestContext();
});
afterAll(() => ctx.close());

describe('collaboration server', () => {
  it('converges a Hocuspocus and a y-websocket client on two instances, and stores attributed updates', async () => {
    const owner = await buildUser(ctx.db.db, { name: 'Olive Owner' });
    const editor = await buildUser(ctx.db.db, { name: 'Eddie Editor' });
    const document = await buildDocument(ctx.db.db, owner);
    await grantDocumentRole(ctx.db.db, document.id, editor.id, 'editor');
    const a = await ctx.startServer();
    const b = await ctx.startServer();
    const ownerToken = await ctx.tokenFor(owner.id, document.id, 'owner');
    const editorToken = await ctx.tokenFor(editor.id, document.id, 'editor');
    const hp = ctx.hocuspocusClient(a.url, document.id, ownerToken);
    const yw = ctx.yWebsocketClient(b.url, document.id, editorToken);
    await eventually(() => expect(yw.provider.synced).toBe(true));
    await eventually(() => expect(hp.provider.isSynced).toBe(true));

    hp.doc.getText('t').insert(0, 'hello');
    await eventually(() => expect(yw.doc.getText('t').toString()).toBe('hello'));
    yw.doc.getText('t').insert(5, ' world');
    await eventually(() => expect(hp.doc.getText('t').toString()).toBe('hello world'));

    // Awareness: identity comes from the server, whatever the client claims.
    yw.provider.awareness.setLocalStateField('user', { name: 'Mallory', id: 'someone-else', color: '#f00' });
    await eventually(() => {
      const states = [
        ...(hp.provider.awareness as NonNullable<typeof hp.provider.awareness>).getStates().values(),
      ];
      expect(states.map((s) => s.user)).toContainEqual({
        name: 'Eddie Editor',
        id: editor.id,
        color: '#f00',
      });
    });

    // Durable in Postgres alone, attributed to each author.
    await eventually(async () => {
      const loaded = await documentStateLoader(ctx.db.db, document.id);
      expect(loaded.doc.getText('t').toString()).toBe('hello world');
    });
    const actors = await ctx.db.db
      .selectFrom('document_updates')
      .select(['actor_id', 'connection_id'])
      .where('document_id', '=', document.id)
      .execute();
    expect(new Set(actors.map((r) => r.actor_id))).toEqual(new Set([owner.id, editor.id]));
    expect(actors.every((r) => r.connection_id)).toBe(true);

    // Searchable within the contract's 5 s (counted here from durability, after the edit),
    // plus 2 s of scheduling slack for a loaded 2-core CI machine; the indexer's own
    // debounce is 1 s of quiet, at most 3 s.
    await eventually(
      async () => {
        const row = await ctx.db.db
          .selectFrom('document_search')
          .select('body')
          .where('document_id', '=', document.id)
          .executeTakeFirst();
        expect(row?.body).toBe('hello world');
      },
      { timeout: 5_000 + 2_000 },
    );
  });

  it('keeps every update of concurrent writers on two instances (Postgres alone)', async () => {
    const owner = await buildUser(ctx.db.db);
    const document = await buildDocument(ctx.db.db, owner);
    const a = await ctx.startServer();
    const b = await ctx.startServer();
    const t = await ctx.tokenFor(owner.id, document.id, 'owner');
    const clients = Array.from({ length: 6 }, (_, i) =>
      ctx.hocuspocusClient(i % 2 ? a.url : b.url, document.id, t),
    );
    await eventually(() => expect(clients.every((c) => c.provider.isSynced)).toBe(true));
    for (let round = 0; round < 20; round++) {
      clients.forEach((c, i) => {
        c.doc.getText('t').insert(0, String.fromCharCode(97 + i));
      });
      await new Promise((r) => setImmediate(r));
    }
    await eventually(() => expect(clients.every((c) => c.provider.unsyncedChanges === 0)).toBe(true));
    const stored = await documentStateLoader(ctx.db.db, document.id);
    expect(stored.doc.getText('t').length).toBe(120);
    await eventually(() => {
      for (const c of clients) expect(c.doc.getText('t').toString()).toBe(stored.doc.getText('t').toString());
    });
  });

  it('lets a late-joining instance serve the latest state', async () => {
    const owner = await buildUser(ctx.db.db);
    const document = await buildDocument(ctx.db.db, owner);
    const a = await ctx.startServer();
    const t = await ctx.tokenFor(owner.id, document.id, 'owner');
    const first = ctx.hocuspocusClient(a.url, document.id, t);
    await eventually(() => expect(first.provider.isSynced).toBe(true));
    first.doc.getText('t').insert(0, 'written before the second instance existed');
    await eventually(() => expect(first.provider.unsyncedChanges).toBe(0));
    const late = await ctx.startServer();
    const second = ctx.yWebsocketClient(late.url, document.id, t);
    await eventually(() =>
      expect(second.doc.getText('t').toString()).toBe('written before the second instance existed'),
    );
  });

  it('serves several documents on one Hocuspocus socket, refusing only the one without access', async () => {
    const owner = await buildUser(ctx.db.db);
    const docs = [
      await buildDocument(ctx.db.db, owner),
      await buildDocument(ctx.db.db, owner),
      await buildDocument(ctx.db.db, owner),
    ];
    const a = await ctx.startServer();
    const socket = new HocuspocusProviderWebsocket({ url: a.url });
    ctx.defer(() => socket.destroy());
    const tokens = [
      await ctx.tokenFor(owner.id, docs[0]?.id ?? '', 'owner'),
      'garbage',
      await ctx.tokenFor(owner.id, docs[2]?.id ?? '', 'owner'),
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
      ctx.defer(() => p.destroy());
      return p;
    });
    await eventually(() => expect([providers[0]?.isSynced, providers[2]?.isSynced]).toEqual([true, true]));
    await eventually(() => expect(failures).toEqual(['1:unauthenticated']));
    providers[0]?.document.getText('t').insert(0, 'zero');
    providers[2]?.document.getText('t').insert(0, 'two');
    await eventually(async () => {
      expect((await documentStateLoader(ctx.db.db, docs[0]?.id ?? '')).doc.getText('t').toString()).toBe(
        'zero',
      );
      expect((await documentStateLoader(ctx.db.db, docs[2]?.id ?? '')).doc.getText('t').toString()).toBe(
        'two',
      );
    });
  });
});
