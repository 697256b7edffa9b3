import { documentStateLoader } from '@folio/shared/commands';
import { buildDocument, buildUser } from '@folio/shared/testing';
import * as encoding from 'lib0/encoding';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import { type CollabTestContext, createCollabTestContext } from './testing.js';

let ctx: CollabTestContext;
beforeAll(async () => {
  ctx = await createCollabTestContext();
});
afterAll(() => ctx.close());

describe('limits', () => {
  it('enforces the document size and message rate limits', async () => {
    const owner = await buildUser(ctx.db.db);
    const document = await buildDocument(ctx.db.db, owner);
    const a = await ctx.startServer({ MAX_DOCUMENT_BYTES: '2048', MAX_MESSAGES_PER_SECOND: '5' });
    const t = ctx.tokenFor(owner.id, document.id, 'owner');
    const big = ctx.yWebsocketClient(a.url, document.id, t);
    const closed = new Promise<number>((done) =>
      big.provider.on('connection-close', (event: { code: number } | null) => done(event?.code ?? -1)),
    );
    await vi.waitFor(() => expect(big.provider.synced).toBe(true));
    big.doc.getText('t').insert(0, 'x'.repeat(4_000));
    expect(await closed).toBe(1009);
    big.provider.destroy();
    expect((await documentStateLoader(ctx.db.db, document.id)).doc.getText('t').toString()).toBe('');

    const flood = new WebSocket(`${a.url}/yjs/${document.id}?token=${t}`);
    await new Promise((r) => flood.once('open', r));
    const code = new Promise<number>((done) => flood.on('close', (c) => done(c)));
    for (let i = 0; i < 100; i++) flood.send(new Uint8Array([3]));
    expect(await code).toBe(4429);
  });

  it('bounds what an unauthenticated Hocuspocus socket may queue', async () => {
    const a = await ctx.startServer();
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
});
