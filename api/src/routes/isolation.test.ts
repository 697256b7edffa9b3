/**
 * Tenant isolation, route by route: a user of workspace Y gets 404 for everything of
 * workspace X — its documents, their content, permissions and connect tokens, and the
 * workspace's membership — and never sees X's documents in a list.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { buildTestApi, type TestApi } from '../test-app.js';

let h: TestApi;
let x: { id: string; token: string };
let y: { id: string; token: string };
let xWorkspace: string;
let xDoc: string;

beforeAll(async () => {
  h = await buildTestApi();
  x = await h.user('x-admin@example.com');
  y = await h.user('y-admin@example.com');
  const ws = await h.request('/v1/workspaces', { method: 'POST', token: x.token, json: { name: 'X Corp' } });
  xWorkspace = ((await ws.json()) as { id: string }).id;
  const doc = await h.request('/v1/documents', {
    method: 'POST',
    token: x.token,
    json: { title: 'X secrets', workspaceId: xWorkspace, content: { text: 'confidential' } },
  });
  xDoc = ((await doc.json()) as { id: string }).id;
  await h.request('/v1/workspaces', { method: 'POST', token: y.token, json: { name: 'Y Corp' } });
});
afterAll(async () => h?.close());

const update = () => {
  const doc = new Y.Doc();
  doc.getText('t').insert(0, 'intruder');
  return Y.encodeStateAsUpdate(doc);
};

describe('a user of workspace Y', () => {
  const routes: [string, string, () => RequestInit & { json?: unknown }][] = [
    ['GET', '/v1/documents/{doc}', () => ({})],
    ['PATCH', '/v1/documents/{doc}', () => ({ json: { title: 'mine now' } })],
    ['DELETE', '/v1/documents/{doc}', () => ({})],
    ['GET', '/v1/documents/{doc}/content?format=text', () => ({})],
    ['GET', '/v1/documents/{doc}/content?format=json', () => ({})],
    ['GET', '/v1/documents/{doc}/content?format=yjs', () => ({})],
    ['PUT', '/v1/documents/{doc}/content', () => ({ json: { text: 'overwritten' } })],
    [
      'POST',
      '/v1/documents/{doc}/updates',
      () => ({ headers: { 'content-type': 'application/octet-stream' }, body: update() }),
    ],
    ['POST', '/v1/documents/{doc}/connect-token', () => ({})],
    ['GET', '/v1/documents/{doc}/permissions', () => ({})],
    ['PUT', '/v1/documents/{doc}/permissions/{y}', () => ({ json: { role: 'owner' } })],
    ['DELETE', '/v1/documents/{doc}/permissions/{x}', () => ({})],
    ['GET', '/v1/documents?workspaceId={ws}', () => ({})],
    ['POST', '/v1/documents', () => ({ json: { title: 'planted', workspaceId: xWorkspace } })],
    ['GET', '/v1/workspaces/{ws}/members', () => ({})],
    ['PUT', '/v1/workspaces/{ws}/members/{y}', () => ({ json: { role: 'admin' } })],
    ['DELETE', '/v1/workspaces/{ws}/members/{x}', () => ({})],
  ];

  for (const [method, template, init] of routes) {
    it(`gets 404 from ${method} ${template}`, async () => {
      const path = template
        .replace('{doc}', xDoc)
        .replace('{ws}', xWorkspace)
        .replace('{x}', x.id)
        .replace('{y}', y.id);
      const response = await h.request(path, { method, token: y.token, ...init() });
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toMatch(/problem\+json/);
    });
  }

  it('sees none of X in its own lists, and X is unchanged', async () => {
    const docs = (await (await h.request('/v1/documents', { token: y.token })).json()) as {
      items: { id: string }[];
    };
    expect(docs.items.map((d) => d.id)).not.toContain(xDoc);
    const workspaces = (await (await h.request('/v1/workspaces', { token: y.token })).json()) as {
      items: { id: string }[];
    };
    expect(workspaces.items.map((w) => w.id)).not.toContain(xWorkspace);
    const content = await h.request(`/v1/documents/${xDoc}/content`, { token: x.token });
    expect(await content.text()).toBe('confidential');
    const permissions = await h.t.db
      .selectFrom('document_permissions')
      .select('user_id')
      .where('document_id', '=', xDoc)
      .execute();
    expect(permissions).toEqual([{ user_id: x.id }]);
  });

  it('a plain member of X sees the workspace but none of its private documents', async () => {
    await h.join(xWorkspace, x, y);
    expect((await h.request(`/v1/workspaces/${xWorkspace}/members`, { token: y.token })).status).toBe(200);
    expect((await h.request(`/v1/documents/${xDoc}`, { token: y.token })).status).toBe(404);
    const listed = (await (
      await h.request(`/v1/documents?workspaceId=${xWorkspace}`, { token: y.token })
    ).json()) as {
      items: unknown[];
    };
    expect(listed.items).toEqual([]);
    // Members may not manage membership.
    const promote = await h.request(`/v1/workspaces/${xWorkspace}/members/${y.id}`, {
      method: 'PUT',
      token: y.token,
      json: { role: 'admin' },
    });
    expect(promote.status).toBe(403);
  });
});
