import { buildDocument, buildUser, spanAttribute, startOtlpCollector } from '@folio/shared/testing';
import { startTracing } from '@folio/shared/tracing';
import { HocuspocusProvider, HocuspocusProviderWebsocket } from '@hocuspocus/provider';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import * as Y from 'yjs';
import { type CollabTestContext, createCollabTestContext, eventually } from './testing.js';

let ctx: CollabTestContext;
beforeAll(async () => {
  ctx = await createCollabTestContext();
});
afterAll(() => ctx.close());

it('traces connection authorization, allowed and refused, and each group commit', async () => {
  const collector = await startOtlpCollector();
  const tracing = await startTracing({ endpoint: collector.url, serviceName: 'folio-collab', log: ctx.log });
  try {
    const owner = await buildUser(ctx.db.db);
    const document = await buildDocument(ctx.db.db, owner);
    const { url } = await ctx.startServer({}, { tracing });
    const editor = ctx.hocuspocusClient(url, document.id, await ctx.tokenFor(owner.id, document.id, 'owner'));
    ctx.yWebsocketClient(url, document.id, 'not-a-token');
    await eventually(() => expect(editor.provider.isSynced).toBe(true), { timeout: 5_000 });
    editor.doc.getText('t').insert(0, 'traced');
    await eventually(async () => {
      const rows = await ctx.db.db
        .selectFrom('document_updates')
        .select('seq')
        .where('document_id', '=', document.id)
        .execute();
      expect(rows.length).toBeGreaterThan(0);
    });

    // Spans are exported in batches about a second apart.
    const authorizations = await eventually(() => {
      const spans = collector.spans.filter(
        (s) => s.name === 'collab.authorize' && spanAttribute(s, 'folio.auth.purpose') === 'connect',
      );
      expect(spans.map((s) => spanAttribute(s, 'folio.auth.outcome')).sort()).toEqual([
        'UNAUTHENTICATED',
        'ok',
      ]);
      return spans;
    });
    expect(authorizations.every((s) => spanAttribute(s, 'folio.document_id') === document.id)).toBe(true);
    const batch = await eventually(() => {
      const span = collector.spans.find((s) => s.name === 'collab.commit_batch');
      expect(span).toBeDefined();
      return span as NonNullable<typeof span>;
    });
    expect(spanAttribute(batch, 'folio.batch.updates')).toBeGreaterThan(0);
    expect(spanAttribute(batch, 'folio.batch.documents')).toBe(1);
    expect(new Set(collector.spans.map((s) => s.serviceName))).toEqual(new Set(['folio-collab']));
  } finally {
    await tracing.shutdown();
    await collector.close();
  }
});

it('continues the caller trace from a WebSocket upgrade, on both protocols, under HTTP conventions', async () => {
  const collector = await startOtlpCollector();
  const tracing = await startTracing({ endpoint: collector.url, serviceName: 'folio-collab', log: ctx.log });
  try {
    const owner = await buildUser(ctx.db.db);
    const document = await buildDocument(ctx.db.db, owner);
    const { url } = await ctx.startServer({}, { tracing });
    const token = await ctx.tokenFor(owner.id, document.id, 'owner');
    const callers = {
      yjs: { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7' },
      hocuspocus: { traceId: '5ce0a1b2c3d4e5f60718293a4b5c6d7e', spanId: '1a2b3c4d5e6f7081' },
    };
    const traceparent = (caller: { traceId: string; spanId: string }) =>
      `00-${caller.traceId}-${caller.spanId}-01`;

    // the stock y-websocket path, the token in the query (which no span may carry)
    const yjs = new WebSocket(`${url}/yjs/${document.id}?token=${token}`, {
      headers: { traceparent: traceparent(callers.yjs), 'user-agent': 'folio-trace-test' },
    });
    ctx.defer(() => yjs.terminate());
    // sync step 1 with an empty state vector: the server answers with its sync step 2
    yjs.once('open', () => yjs.send(Uint8Array.of(0, 0, 1, 0)));
    await new Promise((resolve, reject) => {
      yjs.once('message', resolve);
      yjs.once('close', reject);
    });
    // a Hocuspocus provider whose socket sends the caller's traceparent with its upgrade
    const headers = { traceparent: traceparent(callers.hocuspocus) };
    const socket = new HocuspocusProviderWebsocket({
      url,
      WebSocketPolyfill: class extends WebSocket {
        constructor(address: string, protocols?: string | string[]) {
          super(address, protocols, { headers });
        }
      },
    });
    ctx.defer(() => socket.destroy());
    const provider = new HocuspocusProvider({
      websocketProvider: socket,
      name: document.id,
      token,
      document: new Y.Doc(),
    });
    provider.attach();
    ctx.defer(() => provider.destroy());
    await eventually(() => expect(provider.isSynced).toBe(true), { timeout: 5_000 });

    for (const [protocol, caller] of Object.entries(callers)) {
      const route = protocol === 'yjs' ? '/yjs/:documentId' : '/';
      const upgrade = await eventually(() => {
        const span = collector.spans.find((s) => s.traceId === caller.traceId && s.kind === 2);
        expect(span, protocol).toBeDefined();
        return span as NonNullable<typeof span>;
      });
      expect(upgrade.name).toBe(`GET ${route}`);
      expect(upgrade.parentSpanId).toBe(caller.spanId);
      expect(spanAttribute(upgrade, 'http.request.method')).toBe('GET');
      expect(spanAttribute(upgrade, 'http.route')).toBe(route);
      expect(spanAttribute(upgrade, 'url.path')).toBe(protocol === 'yjs' ? `/yjs/${document.id}` : '/');
      expect(spanAttribute(upgrade, 'url.scheme')).toBe('http');
      expect(Number(spanAttribute(upgrade, 'http.response.status_code'))).toBe(101);
      // the connection's authorization is part of the caller's trace, under the upgrade
      const authorize = await eventually(() => {
        const span = collector.spans.find(
          (s) => s.traceId === caller.traceId && s.name === 'collab.authorize',
        );
        expect(span, protocol).toBeDefined();
        return span as NonNullable<typeof span>;
      });
      expect(authorize.parentSpanId).toBe(upgrade.spanId);
      expect(spanAttribute(authorize, 'folio.auth.outcome')).toBe('ok');
    }
    expect(collector.spans.some((s) => JSON.stringify(s.attributes).includes(token))).toBe(false);
  } finally {
    await tracing.shutdown();
    await collector.close();
  }
});
