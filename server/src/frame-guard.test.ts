import { connect } from 'node:net';
import { documentStateLoader } from '@folio/shared/commands';
import { buildDocument, buildUser } from '@folio/shared/testing';
import * as encoding from 'lib0/encoding';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { checkFrame, RateLimiter } from './frame-guard.js';
import { type CollabTestContext, createCollabTestContext, eventually } from './testing.js';

let ctx: CollabTestContext;
beforeAll(async () => {
  ctx = await createCollabTestContext();
});
afterAll(() => ctx.close());

describe('limits', () => {
  it('enforces the document size limit', async () => {
    const owner = await buildUser(ctx.db.db);
    const document = await buildDocument(ctx.db.db, owner);
    const a = await ctx.startServer({ MAX_DOCUMENT_BYTES: '2048' });
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

    big.provider.destroy();
  });

  it('slows a socket that sends too fast instead of cutting it off, and loses none of its messages', async () => {
    const owner = await buildUser(ctx.db.db);
    const document = await buildDocument(ctx.db.db, owner);
    const a = await ctx.startServer({ MAX_MESSAGES_PER_SECOND: '50' });
    const handled = async () =>
      (await a.server.metrics.messages.get()).values.find((v) => v.labels.type === 'query_awareness')
        ?.value ?? 0;
    const flood = new WebSocket(
      `${a.url}/yjs/${document.id}?token=${await ctx.tokenFor(owner.id, document.id, 'owner')}`,
    );
    await new Promise((r) => flood.once('open', r));
    let closed = false;
    flood.on('close', () => {
      closed = true;
    });
    // 600 messages in about 600 ms against 50 a second (bursts of 200).
    for (let i = 0; i < 600; i++) {
      flood.send(new Uint8Array([3]));
      if (i % 20 === 0) await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 400));
    expect(await handled()).toBeLessThan(450);
    expect(closed).toBe(false);
    await eventually(async () => expect(await handled()).toBe(600), { timeout: 20_000 });
    expect(closed).toBe(false);
    flood.close();
  });

  it('tells a y-websocket client on the wrong path where to connect', async () => {
    const owner = await buildUser(ctx.db.db);
    const document = await buildDocument(ctx.db.db, owner);
    const a = await ctx.startServer();
    const doc = new Y.Doc();
    // The stock provider, given the server root instead of `<url>/yjs`.
    const provider = new WebsocketProvider(a.url, document.id, doc, {
      params: { token: await ctx.tokenFor(owner.id, document.id, 'owner') },
      WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
      disableBc: true,
      connect: false,
    });
    ctx.defer(() => provider.destroy());
    const closed = new Promise<{ code: number; reason: string }>((done) =>
      provider.on('connection-close', (event: CloseEvent | null) =>
        done({ code: event?.code ?? -1, reason: event?.reason ?? '' }),
      ),
    );
    provider.connect();
    const { code, reason } = await closed;
    expect(code).toBe(1003);
    expect(reason).toContain('/yjs/');
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

  it('rate-limits by count and cost: how long a socket waits once over budget', () => {
    const limiter = new RateLimiter(10, 3);
    expect([limiter.debtMs(), limiter.debtMs(), limiter.debtMs()]).toEqual([0, 0, 0]);
    // One token short at 10 per second: about 100 ms until the bucket is even again.
    expect(limiter.debtMs()).toBeGreaterThan(90);
    expect(new RateLimiter(10, 100).debtMs(150)).toBeGreaterThan(4_900);
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
