import { documentUpdateApplier, documentUpdateRecorder } from '@folio/shared/commands';
import { searchDocuments } from '@folio/shared/db';
import { createLogger } from '@folio/shared/logger';
import { buildDocument, buildUser } from '@folio/shared/testing';
import type { Hocuspocus } from '@hocuspocus/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { SearchIndexer } from './search-indexer.js';
import { type CollabTestContext, createCollabTestContext, eventually } from './testing.js';

let ctx: CollabTestContext;
beforeAll(async () => {
  ctx = await createCollabTestContext();
});
afterAll(() => ctx.close());

/** The contract: a stored edit is searchable within 5 s. */
const SEARCHABLE_WITHIN_MS = 5_000;

describe('search indexing of collaborative edits', () => {
  it('makes edits searchable within 5 s while typing goes on, and after the last client leaves', async () => {
    const owner = await buildUser(ctx.db.db);
    const { url } = await ctx.startServer();
    const find = async (text: string) =>
      (await searchDocuments(ctx.db.db, { text, userId: owner.id, instanceAdmin: false, limit: 10 })).map(
        (hit) => hit.documentId,
      );

    // Someone keeps typing: the debounce must not postpone indexing past the deadline.
    const busy = await buildDocument(ctx.db.db, owner);
    const typist = ctx.yWebsocketClient(url, busy.id, await ctx.tokenFor(owner.id, busy.id, 'owner'));
    await eventually(() => expect(typist.provider.synced).toBe(true));
    const text = typist.doc.getText('body');
    text.insert(0, 'walrus ');
    const typed = Date.now();
    const keepTyping = setInterval(() => text.insert(text.length, 'x'), 200);
    try {
      await eventually(async () => expect(await find('walrus')).toEqual([busy.id]), {
        timeout: SEARCHABLE_WITHIN_MS,
      });
      expect(Date.now() - typed).toBeLessThan(SEARCHABLE_WITHIN_MS);
    } finally {
      clearInterval(keepTyping);
    }

    // One edit, then the client leaves at once and the document is unloaded before the
    // indexer's debounce fires: the stored state is indexed instead.
    const brief = await buildDocument(ctx.db.db, owner);
    const visitor = ctx.hocuspocusClient(url, brief.id, await ctx.tokenFor(owner.id, brief.id, 'owner'));
    await eventually(() => expect(visitor.provider.isSynced).toBe(true));
    visitor.doc.getText('body').insert(0, 'narwhal');
    await eventually(() => expect(visitor.provider.unsyncedChanges).toBe(0));
    const left = Date.now();
    visitor.provider.destroy();
    await eventually(async () => expect(await find('narwhal')).toEqual([brief.id]), {
      timeout: SEARCHABLE_WITHIN_MS,
    });
    expect(Date.now() - left).toBeLessThan(SEARCHABLE_WITHIN_MS);
  });

  it('indexes a committed edit from Postgres when the document is no longer loaded', async () => {
    const owner = await buildUser(ctx.db.db);
    const document = await buildDocument(ctx.db.db, owner);
    const client = new Y.Doc();
    client.getText('body').insert(0, 'manatee');
    await documentUpdateApplier(ctx.db.db, {
      documentId: document.id,
      actorId: owner.id,
      update: Y.encodeStateAsUpdate(client),
    });
    // As if committed through a connection just before the document was unloaded: the
    // REST path indexed it already, so forget that.
    await ctx.db.db.deleteFrom('document_search').where('document_id', '=', document.id).execute();
    const notLoaded = { documents: new Map() } as unknown as Hocuspocus;
    const indexer = new SearchIndexer(
      { db: ctx.db.db, hocuspocus: notLoaded, log: createLogger({ level: 'silent', name: 'test' }) },
      { quietMs: 10, maxDelayMs: 50 },
    );
    indexer.markDirty(document.id);
    await indexer.flush();
    // At once (not eventually: the running server's sweeper would get there too, later).
    const hits = await searchDocuments(ctx.db.db, {
      text: 'manatee',
      userId: owner.id,
      instanceAdmin: false,
      limit: 10,
    });
    expect(hits.map((h) => h.documentId)).toEqual([document.id]);
  });

  it('sweeps up an edit whose instance died between committing and indexing it, within 5 s', async () => {
    const owner = await buildUser(ctx.db.db);
    const document = await buildDocument(ctx.db.db, owner);
    await ctx.startServer();
    const client = new Y.Doc();
    client.getText('body').insert(0, 'platypus');
    // What a collaboration instance does before acknowledging; then it is SIGKILLed.
    await documentUpdateRecorder(ctx.db.db, [
      {
        documentId: document.id,
        update: Y.encodeStateAsUpdate(client),
        actorId: owner.id,
        connectionId: null,
      },
    ]);
    const committed = Date.now();
    await eventually(
      async () => {
        const hits = await searchDocuments(ctx.db.db, {
          text: 'platypus',
          userId: owner.id,
          instanceAdmin: false,
          limit: 10,
        });
        expect(hits.map((h) => h.documentId)).toEqual([document.id]);
      },
      { timeout: SEARCHABLE_WITHIN_MS },
    );
    expect(Date.now() - committed).toBeLessThan(SEARCHABLE_WITHIN_MS);
  });
});
