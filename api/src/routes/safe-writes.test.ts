import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { buildTestApi, type TestApi } from '../test-app.js';

/**
 * The read–edit–write loop of an integration or AI agent: read Markdown with its ETag,
 * let people edit meanwhile, write back with If-Match; agent tokens attribute the
 * change to the user and the agent; the diff says who changed what.
 */

let h: TestApi;
let ada: { id: string; token: string };
let agentToken: string;
beforeAll(async () => {
  h = await buildTestApi();
  ada = await h.user('ada.safe@example.com');
  const created = await h.request('/v1/tokens', {
    method: 'POST',
    token: ada.token,
    json: { name: 'writer bot', scopes: ['read', 'write'], agent: 'Claude' },
  });
  expect(created.status).toBe(201);
  const body = (await created.json()) as { token: string; agent: string };
  expect(body.agent).toBe('Claude');
  agentToken = body.token;
});
afterAll(async () => h?.close());

async function newDocument(markdown: string): Promise<string> {
  const response = await h.request('/v1/documents', {
    method: 'POST',
    token: ada.token,
    json: { title: 'safe', content: { markdown } },
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { id: string }).id;
}

/** A person's edit: made on the binary state the API serves, posted as an update. */
async function personTypes(id: string, paragraph: number, text: string) {
  const state = await h.request(`/v1/documents/${id}/content?format=yjs`, { token: ada.token });
  const doc = new Y.Doc();
  Y.applyUpdate(doc, new Uint8Array(await state.arrayBuffer()));
  const before = Y.encodeStateVector(doc);
  const inline = (doc.getXmlFragment('default').get(paragraph) as Y.XmlElement).get(0) as Y.XmlText;
  inline.insert(inline.length, text);
  const response = await h.request(`/v1/documents/${id}/updates`, {
    method: 'POST',
    token: ada.token,
    headers: { 'content-type': 'application/octet-stream' },
    body: Y.encodeStateAsUpdate(doc, before),
  });
  expect(response.status).toBe(200);
}

const textOf = async (id: string) =>
  (await h.request(`/v1/documents/${id}/content?format=text`, { token: ada.token })).text();

describe('safe writes', () => {
  it('merges a stale If-Match write, attributes it to the user and the agent, and diffs it', async () => {
    const id = await newDocument('# Plan\n\nFirst point\n\nSecond point');
    const read = await h.request(`/v1/documents/${id}/content?format=markdown`, { token: agentToken });
    expect(read.status).toBe(200);
    expect(read.headers.get('content-type')).toContain('text/markdown');
    const etag = read.headers.get('etag') as string;
    expect(etag).toMatch(/^"s\./);
    const markdown = await read.text();
    expect(markdown).toBe('# Plan\n\nFirst point\n\nSecond point');

    await personTypes(id, 1, ' by Ada');
    const write = await h.request(`/v1/documents/${id}/content`, {
      method: 'PUT',
      token: agentToken,
      headers: { 'if-match': etag },
      json: { markdown: markdown.replace('Second point', 'Second point, *checked*') },
    });
    expect(write.status).toBe(200);
    expect(await textOf(id)).toBe('Plan\nFirst point by Ada\nSecond point, checked');

    const row = await h.t.db
      .selectFrom('document_updates')
      .select(['actor_id', 'agent'])
      .where('document_id', '=', id)
      .orderBy('seq', 'desc')
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ actor_id: ada.id, agent: 'Claude' });
    const audit = await h.request(`/v1/audit?documentId=${id}&action=document.update`, { token: ada.token });
    const entries = ((await audit.json()) as { items: { actorId: string; details: { agent?: string } }[] })
      .items;
    expect(entries.some((e) => e.actorId === ada.id && e.details.agent === 'Claude')).toBe(true);

    const diff = await h.request(`/v1/documents/${id}/diff?from=${encodeURIComponent(etag)}`, {
      token: ada.token,
    });
    expect(diff.status).toBe(200);
    const { changes } = (await diff.json()) as {
      changes: { op: string; text: string; actorId: string; agent: string | null }[];
    };
    expect(changes.map(({ op, text, actorId, agent }) => ({ op, text, actorId, agent }))).toEqual([
      { op: 'insert', text: ' by Ada', actorId: ada.id, agent: null },
      { op: 'insert', text: ', checked', actorId: ada.id, agent: 'Claude' },
    ]);
  });

  it('replaces without If-Match, and answers 412 problem+json for an ETag it cannot rebuild', async () => {
    const id = await newDocument('One\n\nTwo');
    const stale = await h.request(`/v1/documents/${id}/content`, {
      method: 'PUT',
      token: agentToken,
      headers: { 'if-match': '"s.3.1:1:"x' },
      json: { markdown: 'Three' },
    });
    expect(stale.status).toBe(412);
    expect(stale.headers.get('content-type')).toContain('application/problem+json');
    expect(await textOf(id)).toBe('One\nTwo');
    const replaced = await h.request(`/v1/documents/${id}/content`, {
      method: 'PUT',
      token: agentToken,
      json: { markdown: 'Three' },
    });
    expect(replaced.status).toBe(200);
    expect(await textOf(id)).toBe('Three');
  });

  it('lists the agent on tokens, and diffs between versions with deletions', async () => {
    const tokens = await h.request('/v1/tokens', { token: ada.token });
    const items = ((await tokens.json()) as { items: { name: string; agent: string | null }[] }).items;
    expect(items.find((t) => t.name === 'writer bot')?.agent).toBe('Claude');

    const id = await newDocument('Keep this\n\nDrop that');
    const version = await h.request(`/v1/documents/${id}/versions`, {
      method: 'POST',
      token: ada.token,
      json: { label: 'before' },
    });
    const versionId = ((await version.json()) as { id: string }).id;
    const versionRead = await h.request(`/v1/documents/${id}/versions/${versionId}/content`, {
      token: ada.token,
    });
    expect(versionRead.headers.get('etag')).toBe(`"v.${versionId}"`);
    await h.request(`/v1/documents/${id}/content`, {
      method: 'PUT',
      token: agentToken,
      headers: { 'if-match': versionRead.headers.get('etag') as string },
      json: { markdown: 'Keep this' },
    });
    const diff = await h.request(`/v1/documents/${id}/diff?from=${versionId}&to=live`, { token: ada.token });
    const { changes } = (await diff.json()) as { changes: { op: string; text: string; agent: string }[] };
    expect(changes.map(({ op, text, agent }) => ({ op, text, agent }))).toEqual([
      { op: 'delete', text: 'Drop that', agent: 'Claude' },
    ]);
    const bad = await h.request(`/v1/documents/${id}/diff?from=yesterday`, { token: ada.token });
    expect(bad.status).toBe(400);

    // Creating with content and restoring are the agent's too.
    const created = await h.request('/v1/documents', {
      method: 'POST',
      token: agentToken,
      json: { title: 'by the agent', content: { markdown: 'Drafted' } },
    });
    const createdId = ((await created.json()) as { id: string }).id;
    const restore = await h.request(`/v1/documents/${id}/restore`, {
      method: 'POST',
      token: agentToken,
      json: { versionId },
    });
    expect(restore.status).toBe(200);
    const rows = await h.t.db
      .selectFrom('document_updates')
      .select(['document_id', 'agent'])
      .where('document_id', 'in', [createdId, id])
      .orderBy('seq', 'desc')
      .execute();
    expect(rows.find((r) => r.document_id === createdId)?.agent).toBe('Claude');
    expect(rows.find((r) => r.document_id === id)?.agent).toBe('Claude');
  });
});

describe('agent tokens', () => {
  it('draw on a rate-limit budget of their own, apart from their user', async () => {
    const limited = await buildTestApi({ RATE_LIMIT_PER_MINUTE: '3' });
    try {
      const user = await limited.user('limited.agent@example.com');
      const created = await limited.request('/v1/tokens', {
        method: 'POST',
        token: user.token,
        json: { scopes: ['read'], agent: 'Indexer' },
      });
      const agent = ((await created.json()) as { token: string }).token;
      const statuses = async (token: string, n: number) => {
        const seen: number[] = [];
        for (let i = 0; i < n; i++) seen.push((await limited.request('/v1/me', { token })).status);
        return seen;
      };
      // The user spent 1 of 3 minting the token; the agent has 3 of its own.
      expect(await statuses(agent, 4)).toEqual([200, 200, 200, 429]);
      expect(await statuses(user.token, 3)).toEqual([200, 200, 429]);
    } finally {
      await limited.close();
    }
  });
});

describe('workspace admins and agent tokens', () => {
  it("list and revoke their members' agent tokens, and nothing else", async () => {
    const admin = await h.user('ws.admin.agents@example.com');
    const member = await h.user('ws.member.agents@example.com');
    const team = await h.team(admin, [member]);
    const mint = async (json: Record<string, unknown>) => {
      const response = await h.request('/v1/tokens', { method: 'POST', token: member.token, json });
      return (await response.json()) as { id: string; token: string };
    };
    const bot = await mint({ name: 'bot', agent: 'Helper' });
    const plain = await mint({ name: 'plain' });

    const list = await h.request(`/v1/workspaces/${team.id}/agent-tokens`, { token: admin.token });
    expect(list.status).toBe(200);
    const items = ((await list.json()) as { items: { id: string; userId: string; agent: string }[] }).items;
    expect(items.map(({ id, userId, agent }) => ({ id, userId, agent }))).toEqual([
      { id: bot.id, userId: member.id, agent: 'Helper' },
    ]);
    const byMember = await h.request(`/v1/workspaces/${team.id}/agent-tokens`, { token: member.token });
    expect(byMember.status).toBe(403);

    const revokePlain = await h.request(`/v1/workspaces/${team.id}/agent-tokens/${plain.id}`, {
      method: 'DELETE',
      token: admin.token,
    });
    expect(revokePlain.status).toBe(404);
    const revoke = await h.request(`/v1/workspaces/${team.id}/agent-tokens/${bot.id}`, {
      method: 'DELETE',
      token: admin.token,
    });
    expect(revoke.status).toBe(204);
    expect((await h.request('/v1/me', { token: bot.token })).status).toBe(401);
    expect((await h.request('/v1/me', { token: plain.token })).status).toBe(200);
  });
});
