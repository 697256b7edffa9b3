import { buildDocument, buildUser, spanAttribute, startOtlpCollector } from '@folio/shared/testing';
import { startTracing } from '@folio/shared/tracing';
import { afterAll, beforeAll, expect, it } from 'vitest';
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
