import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApi, type TestApi } from '../test-app.js';

let h: TestApi;
beforeAll(async () => {
  h = await buildTestApi();
});
afterAll(async () => h?.close());

type Doc = { id: string; title: string; workspaceId: string; role?: string };

describe('documents', () => {
  it('creates in the personal workspace, reads, renames and lists with a cursor', async () => {
    const ann = await h.user('ann@example.com');
    const created = await h.createDocument(ann.token, {
      title: 'Plan',
      content: { text: 'line one\nline two' },
    });
    expect(created).toMatchObject({ title: 'Plan', role: 'owner' });
    expect(await h.text(ann.token, created.id)).toBe('line one\nline two');

    const renamed = await h.request(`/v1/documents/${created.id}`, {
      method: 'PATCH',
      token: ann.token,
      json: { title: 'Roadmap' },
    });
    expect(((await renamed.json()) as Doc).title).toBe('Roadmap');
    const read = (await (await h.request(`/v1/documents/${created.id}`, { token: ann.token })).json()) as Doc;
    expect(read).toMatchObject({ id: created.id, title: 'Roadmap', createdBy: ann.id });

    for (let i = 0; i < 4; i++) await h.createDocument(ann.token, { title: `Doc ${i}` });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `&cursor=${cursor}` : '';
      const page = (await (
        await h.request(`/v1/documents?limit=2${query}`, { token: ann.token })
      ).json()) as {
        items: Doc[];
        nextCursor: string | null;
      };
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((d) => d.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(5);
    expect(new Set(seen).size).toBe(5);
    expect(seen).toContain(created.id);
  });

  it('names the offending field in validation errors and rejects unknown fields', async () => {
    const ann = await h.user('val@example.com');
    const missing = await h.request('/v1/documents', { method: 'POST', token: ann.token, json: {} });
    expect(missing.status).toBe(400);
    expect(missing.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(await missing.json()).toMatchObject({ status: 400, field: 'title' });
    const unknown = await h.request('/v1/documents', {
      method: 'POST',
      token: ann.token,
      json: { title: 'x', colour: 'red' },
    });
    expect(await unknown.json()).toMatchObject({ status: 400, field: 'colour' });
    const both = await h.request('/v1/documents', {
      method: 'POST',
      token: ann.token,
      json: { title: 'x', content: { text: 'a', markdown: 'b' } },
    });
    expect(await both.json()).toMatchObject({ status: 400, field: expect.stringMatching(/^content/) });
    const notJson = await h.request('/v1/documents', {
      method: 'POST',
      token: ann.token,
      headers: { 'content-type': 'text/plain' },
      body: '{"title":"x"}',
    });
    expect(notJson.status).toBe(415);
    const badLimit = await h.request('/v1/documents?limit=0', { token: ann.token });
    expect(await badLimit.json()).toMatchObject({ status: 400, field: 'limit' });
    const badFormat = await h.request('/v1/documents/x/content?format=pdf', { token: ann.token });
    expect(await badFormat.json()).toMatchObject({ status: 400, field: 'format' });
  });

  it('shares with viewer and editor roles: 404 without access, 403 when the role falls short', async () => {
    const owner = await h.user('owner@example.com');
    const viewer = await h.user('viewer@example.com');
    const editor = await h.user('editor@example.com');
    const stranger = await h.user('stranger@example.com');
    // Document roles are for members of the document's workspace.
    const team = await h.team(owner, [viewer, editor]);
    const doc = await h.createDocument(owner.token, {
      title: 'Shared',
      workspaceId: team.id,
      content: { text: 'hello' },
    });

    for (const [user, role] of [
      [viewer, 'viewer'],
      [editor, 'editor'],
    ] as const) {
      const put = await h.request(`/v1/documents/${doc.id}/permissions/${user.id}`, {
        method: 'PUT',
        token: owner.token,
        json: { role },
      });
      expect(put.status).toBe(200);
    }
    const list = (await (
      await h.request(`/v1/documents/${doc.id}/permissions`, { token: viewer.token })
    ).json()) as {
      items: { userId: string; role: string }[];
    };
    expect(list.items.map((p) => [p.userId, p.role]).sort()).toEqual(
      [
        [owner.id, 'owner'],
        [viewer.id, 'viewer'],
        [editor.id, 'editor'],
      ].sort(),
    );

    expect(await h.text(viewer.token, doc.id)).toBe('hello');
    expect((await h.request(`/v1/documents/${doc.id}`, { token: stranger.token })).status).toBe(404);
    expect((await h.request(`/v1/documents/${doc.id}/content`, { token: stranger.token })).status).toBe(404);

    const viewerWrite = await h.request(`/v1/documents/${doc.id}/content`, {
      method: 'PUT',
      token: viewer.token,
      json: { text: 'vandalised' },
    });
    expect(viewerWrite.status).toBe(403);
    const editorShare = await h.request(`/v1/documents/${doc.id}/permissions/${stranger.id}`, {
      method: 'PUT',
      token: editor.token,
      json: { role: 'viewer' },
    });
    expect(editorShare.status).toBe(403);
    expect(
      (await h.request(`/v1/documents/${doc.id}`, { method: 'DELETE', token: editor.token })).status,
    ).toBe(403);

    const editorWrite = await h.request(`/v1/documents/${doc.id}/content`, {
      method: 'PUT',
      token: editor.token,
      json: { text: 'hello world' },
    });
    expect(editorWrite.status).toBe(200);
    expect(await h.text(owner.token, doc.id)).toBe('hello world');

    // Revoking takes access away entirely: the document disappears (404).
    const revoke = await h.request(`/v1/documents/${doc.id}/permissions/${viewer.id}`, {
      method: 'DELETE',
      token: owner.token,
    });
    expect(revoke.status).toBe(204);
    expect((await h.request(`/v1/documents/${doc.id}`, { token: viewer.token })).status).toBe(404);
    // The last owner cannot be removed.
    const lastOwner = await h.request(`/v1/documents/${doc.id}/permissions/${owner.id}`, {
      method: 'DELETE',
      token: owner.token,
    });
    expect(lastOwner.status).toBe(409);
    const unknownUser = await h.request(`/v1/documents/${doc.id}/permissions/nobody`, {
      method: 'PUT',
      token: owner.token,
      json: { role: 'viewer' },
    });
    const unknownBody = (await unknownUser.json()) as Record<string, unknown>;
    expect(unknownBody).toMatchObject({ status: 404, field: 'userId' });
    // Someone outside the workspace is answered exactly like an id that names nobody.
    const outsider = await h.request(`/v1/documents/${doc.id}/permissions/${stranger.id}`, {
      method: 'PUT',
      token: owner.token,
      json: { role: 'viewer' },
    });
    expect(outsider.status).toBe(404);
    const { requestId: _a, ...outsiderBody } = (await outsider.json()) as Record<string, unknown>;
    const { requestId: _b, ...unknownRest } = unknownBody;
    expect(outsiderBody).toEqual(unknownRest);
    expect((await h.request(`/v1/documents/${doc.id}`, { token: stranger.token })).status).toBe(404);
  });

  it('lets workspace admins act as owners, but not plain members', async () => {
    const admin = await h.user('wsadmin@example.com');
    const member = await h.user('wsmember@example.com');
    const author = await h.user('author@example.com');
    const ws = await h.team(admin, [member, author]);
    const doc = await h.createDocument(author.token, { title: 'Team doc', workspaceId: ws.id });
    expect((await h.request(`/v1/documents/${doc.id}`, { token: member.token })).status).toBe(404);
    const asAdmin = (await (
      await h.request(`/v1/documents/${doc.id}`, { token: admin.token })
    ).json()) as Doc;
    expect(asAdmin.role).toBe('owner');
    const listed = (await (
      await h.request(`/v1/documents?workspaceId=${ws.id}`, { token: member.token })
    ).json()) as {
      items: Doc[];
    };
    expect(listed.items).toEqual([]);
    expect(
      (await h.request(`/v1/documents/${doc.id}`, { method: 'DELETE', token: admin.token })).status,
    ).toBe(204);
  });

  it('hands out connect tokens bound to the effective role, narrowed by token scopes', async () => {
    const owner = await h.user('ct-owner@example.com');
    const doc = await h.createDocument(owner.token, { title: 'Live' });
    const response = await h.request(`/v1/documents/${doc.id}/connect-token`, {
      method: 'POST',
      token: owner.token,
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, string>;
    expect(body).toMatchObject({
      role: 'owner',
      url: 'ws://127.0.0.1:1234',
      yjsUrl: 'ws://127.0.0.1:1234/yjs',
      documentName: doc.id,
    });
    expect(new Date(body.expiresAt ?? '').getTime()).toBeGreaterThan(Date.now());
    const { verifyConnectToken } = await import('@folio/shared');
    expect(verifyConnectToken(body.token ?? '', 'test-secret-key-test-secret-key-0123456789')).toMatchObject({
      userId: owner.id,
      documentId: doc.id,
      role: 'owner',
    });

    const { apiTokenIssuer } = await import('@folio/shared/commands');
    const readOnly = await apiTokenIssuer(h.t.db, { userId: owner.id, scopes: ['read'], actorId: null });
    const narrowed = await h.request(`/v1/documents/${doc.id}/connect-token`, {
      method: 'POST',
      token: readOnly.token,
    });
    expect(((await narrowed.json()) as { role: string }).role).toBe('viewer');
  });

  it('deletes a document with all of its history', async () => {
    const owner = await h.user('del@example.com');
    const doc = await h.createDocument(owner.token, { title: 'Temp', content: { text: 'secret plans' } });
    await h.request(`/v1/documents/${doc.id}/content`, {
      method: 'PUT',
      token: owner.token,
      json: { text: 'more' },
    });
    const response = await h.request(`/v1/documents/${doc.id}`, { method: 'DELETE', token: owner.token });
    expect(response.status).toBe(204);
    expect((await h.request(`/v1/documents/${doc.id}`, { token: owner.token })).status).toBe(404);
    for (const table of [
      'document_updates',
      'document_states',
      'document_search',
      'document_permissions',
    ] as const) {
      const rows = await h.t.db
        .selectFrom(table)
        .select('document_id')
        .where('document_id', '=', doc.id)
        .execute();
      expect(rows, table).toEqual([]);
    }
    const audit = await h.t.db
      .selectFrom('audit_events')
      .select('action')
      .where('document_id', '=', doc.id)
      .orderBy('id')
      .execute();
    expect(audit.map((a) => a.action)).toEqual([
      'document.create',
      'document.update',
      'document.update',
      'document.delete',
    ]);
  });
});
