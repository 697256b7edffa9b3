import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApi, type TestApi } from '../test-app.js';

let h: TestApi;
beforeAll(async () => {
  h = await buildTestApi();
});
afterAll(async () => h?.close());

type Created = { id: string; token: string; scopes: string[]; lastUsedAt: string | null };

describe('API tokens', () => {
  it('creates a token shown once, lists it without the secret, keeps last use and revokes it', async () => {
    const user = await h.user('tokens@example.com');
    const response = await h.request('/v1/tokens', {
      method: 'POST',
      token: user.token,
      json: { name: 'ci', scopes: ['read'] },
    });
    expect(response.status).toBe(201);
    const created = (await response.json()) as Created;
    expect(created.token).toMatch(/^folio_/);
    expect(created.scopes).toEqual(['read']);

    const stored = await h.t.db
      .selectFrom('api_tokens')
      .select('token_hash')
      .where('id', '=', created.id)
      .executeTakeFirstOrThrow();
    expect(Buffer.from(stored.token_hash).toString('latin1')).not.toContain(created.token);

    expect((await h.request('/v1/me', { token: created.token })).status).toBe(200);
    const list = await h.request('/v1/tokens', { token: user.token });
    const text = await list.text();
    expect(text).not.toContain(created.token);
    const listed = (JSON.parse(text) as { items: Created[] }).items.find((t) => t.id === created.id);
    expect(listed?.lastUsedAt).not.toBeNull();

    expect(
      (await h.request(`/v1/tokens/${created.id}`, { method: 'DELETE', token: user.token })).status,
    ).toBe(204);
    expect((await h.request('/v1/me', { token: created.token })).status).toBe(401);
    expect(
      (await h.request(`/v1/tokens/${created.id}`, { method: 'DELETE', token: user.token })).status,
    ).toBe(404);
    const audit = await h.t.db
      .selectFrom('audit_events')
      .select('action')
      .where('actor_id', '=', user.id)
      .where('action', 'in', ['token.create', 'token.revoke'])
      .execute();
    expect(audit.map((a) => a.action).sort()).toEqual(['token.create', 'token.revoke']);
  });

  it('cannot revoke or see another user’s token', async () => {
    const a = await h.user('ta@example.com');
    const b = await h.user('tb@example.com');
    const created = (await (
      await h.request('/v1/tokens', { method: 'POST', token: a.token, json: {} })
    ).json()) as Created;
    expect(created.scopes).toEqual(['read', 'write']);
    expect((await h.request(`/v1/tokens/${created.id}`, { method: 'DELETE', token: b.token })).status).toBe(
      404,
    );
    const listed = (await (await h.request('/v1/tokens', { token: b.token })).json()) as { items: Created[] };
    expect(listed.items.map((t) => t.id)).not.toContain(created.id);
  });

  it('enforces scopes on every route and never lets a token mint wider scopes', async () => {
    const user = await h.user('scoped@example.com');
    const mint = async (scopes: string[]) =>
      (await (
        await h.request('/v1/tokens', { method: 'POST', token: user.token, json: { scopes } })
      ).json()) as Created;
    const read = await mint(['read']);
    const write = await mint(['write']);

    const doc = (await (
      await h.request('/v1/documents', { method: 'POST', token: user.token, json: { title: 'Scoped' } })
    ).json()) as { id: string };

    // read: reads only.
    expect((await h.request(`/v1/documents/${doc.id}`, { token: read.token })).status).toBe(200);
    expect((await h.request('/v1/documents', { token: read.token })).status).toBe(200);
    expect(
      (await h.request('/v1/documents', { method: 'POST', token: read.token, json: { title: 'no' } })).status,
    ).toBe(403);
    expect(
      (
        await h.request(`/v1/documents/${doc.id}/content`, {
          method: 'PUT',
          token: read.token,
          json: { text: 'no' },
        })
      ).status,
    ).toBe(403);
    expect((await h.request(`/v1/documents/${doc.id}`, { method: 'DELETE', token: read.token })).status).toBe(
      403,
    );
    expect(
      (await h.request('/v1/workspaces', { method: 'POST', token: read.token, json: { name: 'n' } })).status,
    ).toBe(403);
    const escalate = await h.request('/v1/tokens', {
      method: 'POST',
      token: read.token,
      json: { scopes: ['write'] },
    });
    expect(escalate.status).toBe(403);

    // write without read: cannot read content.
    expect((await h.request(`/v1/documents/${doc.id}/content`, { token: write.token })).status).toBe(403);
    expect((await h.request('/v1/tokens', { token: write.token })).status).toBe(403);
    // Any token may ask who it is.
    expect((await h.request('/v1/me', { token: write.token })).status).toBe(200);
  });

  it('answers 401 problem+json without or with a bad credential', async () => {
    for (const headers of [{}, { authorization: 'Bearer folio_nope' }, { authorization: 'Basic abc' }]) {
      const response = await h.request('/v1/me', { headers });
      expect(response.status).toBe(401);
      expect(response.headers.get('content-type')).toMatch(/problem\+json/);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
    }
  });

  it('GET /v1/me returns the contract shape', async () => {
    const user = await h.user('me@example.com', { role: 'compliance' });
    const me = await (await h.request('/v1/me', { token: user.token })).json();
    expect(me).toEqual({ id: user.id, email: 'me@example.com', name: 'me', role: 'compliance' });
  });
});
