import { upsertWorkspaceMember } from '@folio/shared/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { buildTestApi, type TestApi } from '../test-app.js';

let h: TestApi;
beforeAll(async () => {
  h = await buildTestApi();
});
afterAll(async () => h?.close());

type User = Awaited<ReturnType<TestApi['user']>>;
type Version = {
  id: string;
  label: string | null;
  kind: string;
  seq: number;
  createdBy: string;
  bytes: number;
};

const json = async <T>(response: Response, status = 200): Promise<T> => {
  expect(response.status, await response.clone().text()).toBe(status);
  return (await response.json()) as T;
};

describe('versions and restore', () => {
  let owner: User;
  let editor: User;
  let viewer: User;
  let stranger: User;
  let compliance: User;
  let documentId: string;
  let teamId: string;

  const put = (user: User, markdown: string) =>
    h.request(`/v1/documents/${documentId}/content`, {
      method: 'PUT',
      token: user.token,
      json: { markdown },
    });
  const text = async (path = 'content') =>
    (await h.request(`/v1/documents/${documentId}/${path}?format=text`, { token: owner.token })).text();
  const makeVersion = async (user: User, label?: string) =>
    json<Version>(
      await h.request(`/v1/documents/${documentId}/versions`, {
        method: 'POST',
        token: user.token,
        json: label === undefined ? {} : { label },
      }),
      201,
    );

  beforeAll(async () => {
    owner = await h.user('owner.versions@example.com');
    editor = await h.user('editor.versions@example.com');
    viewer = await h.user('viewer.versions@example.com');
    stranger = await h.user('stranger.versions@example.com');
    compliance = await h.user('compliance.versions@example.com', { role: 'compliance' });
    teamId = (await h.team(owner, [editor, viewer])).id;
    const created = await json<{ id: string }>(
      await h.request('/v1/documents', {
        method: 'POST',
        token: owner.token,
        json: { title: 'Spec', workspaceId: teamId, content: { markdown: '# Spec\n\nfirst **draft**' } },
      }),
      201,
    );
    documentId = created.id;
    for (const [user, role] of [
      [editor, 'editor'],
      [viewer, 'viewer'],
    ] as const) {
      await json(
        await h.request(`/v1/documents/${documentId}/permissions/${user.id}`, {
          method: 'PUT',
          token: owner.token,
          json: { role },
        }),
      );
    }
  });

  it('keeps versions and serves their content in every format', async () => {
    const first = await makeVersion(editor, 'first draft');
    expect(first).toMatchObject({ label: 'first draft', kind: 'manual', seq: 1, createdBy: editor.id });
    expect(first.bytes).toBeGreaterThan(0);
    expect((await put(editor, '# Spec\n\nsecond draft')).status).toBe(200);
    const second = await makeVersion(owner);
    expect(second).toMatchObject({ label: null, seq: 2 });

    const list = await json<{ items: Version[] }>(
      await h.request(`/v1/documents/${documentId}/versions`, { token: viewer.token }),
    );
    expect(list.items.map((v) => v.id)).toEqual([second.id, first.id]);

    const base = `/v1/documents/${documentId}/versions/${first.id}/content`;
    const asText = await h.request(`${base}?format=text`, { token: viewer.token });
    expect(await asText.text()).toBe('Spec\nfirst draft');
    const asJson = await json<{ default: { content: unknown[] } }>(
      await h.request(`${base}?format=json`, { token: viewer.token }),
    );
    expect(JSON.stringify(asJson.default)).toContain(
      '{"type":"text","text":"draft","marks":[{"type":"bold"}]}',
    );
    const asYjs = await h.request(`${base}?format=yjs`, { token: viewer.token });
    expect(asYjs.headers.get('content-type')).toBe('application/octet-stream');
    const doc = new Y.Doc();
    Y.applyUpdate(doc, new Uint8Array(await asYjs.arrayBuffer()));
    expect(doc.getXmlFragment('default').length).toBe(2);
    // The live content moved on.
    expect(await text()).toBe('Spec\nsecond draft');
    const reads = await h.t.db
      .selectFrom('audit_events')
      .select('details')
      .where('action', '=', 'document.read')
      .where('actor_id', '=', viewer.id)
      .execute();
    expect(reads.map((r) => r.details)).toContainEqual({ format: 'yjs', versionId: first.id });
  });

  it('restores a version, then a point in time, as new changes', async () => {
    const [first] = (
      await json<{ items: Version[] }>(
        await h.request(`/v1/documents/${documentId}/versions`, { token: owner.token }),
      )
    ).items.filter((v) => v.label === 'first draft');
    const restored = await json<{ changed: boolean; seq: number; previousVersionId: string }>(
      await h.request(`/v1/documents/${documentId}/restore`, {
        method: 'POST',
        token: editor.token,
        json: { versionId: first?.id },
      }),
    );
    expect(restored.changed).toBe(true);
    expect(await text()).toBe('Spec\nfirst draft');
    const updates = await h.t.db
      .selectFrom('document_updates')
      .select(['seq', 'actor_id'])
      .where('document_id', '=', documentId)
      .orderBy('seq', 'desc')
      .limit(1)
      .execute();
    expect(updates).toEqual([{ seq: restored.seq, actor_id: editor.id }]);

    // The time just before the restore: the second draft.
    const before = await h.t.db
      .selectFrom('document_versions')
      .select('created_at')
      .where('id', '=', restored.previousVersionId)
      .executeTakeFirstOrThrow();
    await json(
      await h.request(`/v1/documents/${documentId}/restore`, {
        method: 'POST',
        token: owner.token,
        json: { at: before.created_at.toISOString() },
      }),
    );
    expect(await text()).toBe('Spec\nsecond draft');
    const again = await json<{ changed: boolean }>(
      await h.request(`/v1/documents/${documentId}/restore`, {
        method: 'POST',
        token: owner.token,
        json: { at: new Date().toISOString() },
      }),
    );
    expect(again.changed).toBe(false);

    // Read only, any instant: the state at `before` without restoring it, audited.
    const at = before.created_at.toISOString();
    const preview = await h.request(
      `/v1/documents/${documentId}/state?at=${encodeURIComponent(at)}&format=text`,
      {
        token: viewer.token,
      },
    );
    expect(preview.status).toBe(200);
    expect(await preview.text()).toBe('Spec\nsecond draft');
    const markdown = await h.request(
      `/v1/documents/${documentId}/state?at=${encodeURIComponent(at)}&format=markdown`,
      { token: viewer.token },
    );
    expect(await markdown.text()).toBe('# Spec\n\nsecond draft');
    const reads = await h.t.db
      .selectFrom('audit_events')
      .select('details')
      .where('action', '=', 'document.read')
      .where('actor_id', '=', viewer.id)
      .execute();
    expect(reads.map((r) => r.details)).toContainEqual({ format: 'text', at });
    const noAt = await h.request(`/v1/documents/${documentId}/state?format=text`, { token: viewer.token });
    expect(noAt.status).toBe(400);
    const stranger = await h.request(`/v1/documents/${documentId}/state?at=${encodeURIComponent(at)}`, {
      token: (await h.user('stranger.state@example.com')).token,
    });
    expect(stranger.status).toBe(404);
  });

  it('hides everything from those without access; viewers read but neither snapshot nor restore', async () => {
    const [version] = (
      await json<{ items: Version[] }>(
        await h.request(`/v1/documents/${documentId}/versions`, { token: owner.token }),
      )
    ).items;
    const routes: [string, string, unknown?][] = [
      ['GET', `/v1/documents/${documentId}/versions`],
      ['POST', `/v1/documents/${documentId}/versions`, { label: 'x' }],
      ['GET', `/v1/documents/${documentId}/versions/${version?.id}/content`],
      ['POST', `/v1/documents/${documentId}/restore`, { versionId: version?.id }],
    ];
    for (const [method, path, body] of routes) {
      for (const user of [stranger, compliance]) {
        const response = await h.request(path, { method, token: user.token, json: body });
        expect(response.status, `${method} ${path}`).toBe(404);
      }
    }
    for (const [method, path, body] of routes.filter(([m]) => m === 'POST')) {
      const response = await h.request(path, { method, token: viewer.token, json: body });
      expect(response.status, `${method} ${path}`).toBe(403);
    }
    const readOnly = await h.user('readonly.versions@example.com', { scopes: ['read'] });
    // A read-only token cannot accept an invitation; the membership is set up directly.
    await upsertWorkspaceMember(h.t.db, teamId, readOnly.id, 'member');
    await h.request(`/v1/documents/${documentId}/permissions/${readOnly.id}`, {
      method: 'PUT',
      token: owner.token,
      json: { role: 'editor' },
    });
    const restore = await h.request(`/v1/documents/${documentId}/restore`, {
      method: 'POST',
      token: readOnly.token,
      json: { versionId: version?.id },
    });
    expect(restore.status).toBe(403);
  });

  it('validates the request and refuses versions of other documents', async () => {
    const other = await json<{ id: string }>(
      await h.request('/v1/documents', { method: 'POST', token: owner.token, json: { title: 'Other' } }),
      201,
    );
    const foreign = await json<Version>(
      await h.request(`/v1/documents/${other.id}/versions`, { method: 'POST', token: owner.token, json: {} }),
      201,
    );
    const restore = (body: unknown) =>
      h.request(`/v1/documents/${documentId}/restore`, { method: 'POST', token: owner.token, json: body });
    expect((await restore({ versionId: foreign.id })).status).toBe(404);
    expect(
      (await h.request(`/v1/documents/${documentId}/versions/${foreign.id}/content`, { token: owner.token }))
        .status,
    ).toBe(404);
    for (const body of [
      {},
      { at: 'yesterday' },
      { versionId: 'a\u0000b' },
      { versionId: foreign.id, at: new Date().toISOString() },
    ]) {
      expect((await restore(body)).status, JSON.stringify(body)).toBe(400);
    }
    const tooLong = await h.request(`/v1/documents/${documentId}/versions`, {
      method: 'POST',
      token: owner.token,
      json: { label: 'x'.repeat(201) },
    });
    expect(tooLong.status).toBe(400);
  });
});
