import { connect } from 'node:net';
import { documentStateLoader } from '@folio/shared/commands';
import { buildDocument, buildUser } from '@folio/shared/testing';
import * as encoding from 'lib0/encoding';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import * as Y from 'yjs';
import { checkFrame, RateLimiter } from './frame-guard.js';
import { type CollabTestContext, createCollabTestContext, eventually } from './testing.js';

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
    const t = await ctx.tokenFor(owner.id, document.id, 'owner');
    const big = ctx.yWebsocketClient(a.url, document.id, t);
    const closed = new Promise<number>((done) =>
      big.provider.on('connection-close', (event: { code: number } | null) => done(event?.code ?? -1)),
    );
    await eventually(() => expect(big.provider.synced).toBe(true));
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

describe('checkFrame', () => {
  const frame = (write: (e: encoding.Encoder) => void, documentName?: string) => {
    const e = encoding.createEncoder();
    if (documentName !== undefined) encoding.writeVarString(e, documentName);
    write(e);
    return encoding.toUint8Array(e);
  };
  const awareness = (state: string) =>
    frame((e) => {
      encoding.writeVarUint(e, 1);
      const inner = encoding.createEncoder();
      encoding.writeVarUint(inner, 1);
      encoding.writeVarUint(inner, 7);
      encoding.writeVarUint(inner, 1);
      encoding.writeVarString(inner, state);
      encoding.writeVarUint8Array(e, encoding.toUint8Array(inner));
    });

  it('passes what the real clients send', () => {
    const doc = new Y.Doc();
    doc.getText('t').insert(0, 'x');
    const step1 = frame((e) => {
      encoding.writeVarUint(e, 0);
      encoding.writeVarUint(e, 0);
      encoding.writeVarUint8Array(e, Y.encodeStateVector(doc));
    });
    expect(checkFrame(step1, 'y-websocket')).toEqual({ ok: true, type: 'sync' });
    expect(checkFrame(awareness('{"user":{"name":"x"}}'), 'y-websocket')).toEqual({
      ok: true,
      type: 'awareness',
    });
    const auth = frame((e) => {
      encoding.writeVarUint(e, 2);
      encoding.writeVarUint(e, 0);
      encoding.writeVarString(e, 'token');
    }, 'doc');
    expect(checkFrame(auth, 'hocuspocus')).toEqual({ ok: true, type: 'auth' });
  });

  it('refuses malformed awareness, server-only and unknown message types', () => {
    expect(checkFrame(awareness('{not json'), 'y-websocket')).toMatchObject({ ok: false, code: 1003 });
    expect(checkFrame(awareness('[1,2]'), 'y-websocket')).toMatchObject({ ok: false, code: 1003 });
    // V8 quotes the input in JSON errors; the close reason must stay a short fixed text.
    const verdict = checkFrame(awareness(`{"ü": ${'ü'.repeat(200)}`), 'y-websocket');
    expect(verdict).toMatchObject({ ok: false, code: 1003, reason: 'malformed frame' });
    const broadcastStateless = frame((e) => {
      encoding.writeVarUint(e, 6);
      encoding.writeVarString(e, 'x');
    }, 'doc');
    expect(checkFrame(broadcastStateless, 'hocuspocus')).toMatchObject({ ok: false, code: 1003 });
    // y-websocket clients never send auth or Hocuspocus-only types.
    expect(checkFrame(new Uint8Array([2, 0]), 'y-websocket')).toMatchObject({ ok: false });
    expect(checkFrame(new Uint8Array([]), 'y-websocket')).toMatchObject({ ok: false });
    expect(checkFrame(new Uint8Array([0, 9, 0]), 'y-websocket')).toMatchObject({ ok: false });
  });

  it('rate-limits by count and cost', () => {
    const limiter = new RateLimiter(1, 3);
    expect([limiter.take(), limiter.take(), limiter.take(), limiter.take()]).toEqual([
      true,
      true,
      true,
      false,
    ]);
    expect(new RateLimiter(10, 100).take(101)).toBe(false);
  });

  it('survives upgrade requests whose Host or path cannot be parsed', async () => {
    const { url } = await ctx.startServer();
    const port = Number(new URL(url).port);
    for (const [path, host] of [
      ['/yjs/doc', 'bad host name'],
      ['http://[::1', 'localhost'],
    ]) {
      await new Promise<void>((done) => {
        const socket = connect(port, '127.0.0.1', () => {
          socket.write(
            `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
              'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
          );
        });
        socket.on('error', () => done());
        socket.on('close', () => done());
        socket.setTimeout(500, () => socket.destroy());
      });
    }
    const health = await fetch(`${url.replace('ws', 'http')}/healthz`);
    expect(health.status).toBe(200);
  });
});
