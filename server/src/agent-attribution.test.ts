import { apiTokenIssuer, documentUpdateAuditor } from '@folio/shared/commands';
import { buildDocument, buildUser } from '@folio/shared/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type CollabTestContext, createCollabTestContext, eventually } from './testing.js';

let ctx: CollabTestContext;
beforeAll(async () => {
  ctx = await createCollabTestContext();
});
afterAll(() => ctx.close());

it('stores a WebSocket edit made through an agent token with its agent label, and the user’s own edit without one', async () => {
  const owner = await buildUser(ctx.db.db, { name: 'Ada' });
  const document = await buildDocument(ctx.db.db, owner);
  const { token: agentToken } = await apiTokenIssuer(ctx.db.db, {
    userId: owner.id,
    scopes: ['read', 'write'],
    agent: 'Summariser',
    actorId: null,
  });
  const { url } = await ctx.startServer();
  const agent = ctx.hocuspocusClient(url, document.id, agentToken);
  const human = ctx.yWebsocketClient(url, document.id, await ctx.tokenFor(owner.id, document.id, 'owner'));
  await eventually(() => expect(agent.provider.isSynced && human.provider.synced).toBe(true));

  agent.doc.getText('t').insert(0, 'from the agent. ');
  await eventually(() => expect(human.doc.getText('t').toString()).toBe('from the agent. '));
  human.doc.getText('t').insert(16, 'from Ada.');
  await eventually(() => expect(agent.doc.getText('t').toString()).toBe('from the agent. from Ada.'));

  await eventually(async () => {
    const rows = await ctx.db.db
      .selectFrom('document_updates')
      .select(['actor_id', 'agent'])
      .where('document_id', '=', document.id)
      .orderBy('seq')
      .execute();
    expect(rows.map((r) => [r.actor_id, r.agent])).toEqual([
      [owner.id, 'Summariser'],
      [owner.id, null],
    ]);
  });

  // The summariser audits each (user, agent) apart, naming the agent.
  await documentUpdateAuditor(ctx.db.db, { holder: 'agent-attribution-test', force: true });
  const audited = await ctx.db.db
    .selectFrom('audit_events')
    .select(['actor_id', 'details'])
    .where('document_id', '=', document.id)
    .where('action', '=', 'document.update')
    .orderBy('id')
    .execute();
  expect(audited.map((e) => [e.actor_id, (e.details as { agent?: string }).agent ?? null])).toEqual([
    [owner.id, null],
    [owner.id, 'Summariser'],
  ]);
});
