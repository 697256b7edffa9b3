import { documentCreator } from '@folio/shared/commands';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { buildTestApi, type TestApi } from '../test-app.js';

/**
 * MAX_DOCUMENT_BYTES on every REST write: an update, a content replacement, a restore
 * and a creation with content that would make a document larger answer 413
 * problem+json, and nothing is stored — no update-log row, no version, no audit entry.
 */

const LIMIT = 4_096;
let h: TestApi;
let admin: { id: string; token: string };
beforeAll(async () => {
  h = await buildTestApi({ MAX_DOCUMENT_BYTES: String(LIMIT) });
  admin = await h.user('size.limit@example.com', { role: 'admin' });
});
afterAll(async () => h?.close());

// About 10 KB of text: well past the limit in any encoding.
const big = Array.from({ length: 200 }, (_, i) => `paragraph ${i} with some words in it`).join('\n\n');

/** The document's audit trail, less the reads this test makes to look at it. */
const audited = async (documentId: string) => {
  const response = await h.request(`/v1/audit?documentId=${documentId}`, { token: admin.token });
  expect(response.status).toBe(200);
  return ((await response.json()) as { items: { action: string }[] }).items
    .map((i) => i.action)
    .filter((action) => action !== 'document.read');
};

const textOf = async (id: string) =>
  (await h.request(`/v1/documents/${id}/content?format=text`, { token: admin.token })).text();

async function expectTooLarge(response: Response) {
  expect(response.status).toBe(413);
  expect(response.headers.get('content-type')).toContain('application/problem+json');
  const problem = (await response.json()) as { status: number; detail: string };
  expect(problem.status).toBe(413);
  expect(problem.detail).toMatch(new RegExp(`at most ${LIMIT} \\(MAX_DOCUMENT_BYTES\\)`));
}

async function createSmall(title: string): Promise<string> {
  const response = await h.request('/v1/documents', {
    method: 'POST',
    token: admin.token,
    json: { title, content: { markdown: 'small' } },
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { id: string }).id;
}

describe('MAX_DOCUMENT_BYTES on REST writes', () => {
  it('POST /v1/documents with too much content creates nothing', async () => {
    await expectTooLarge(
      await h.request('/v1/documents', {
        method: 'POST',
        token: admin.token,
        json: { title: 'too big', content: { markdown: big } },
      }),
    );
    const list = (await (await h.request('/v1/documents', { token: admin.token })).json()) as {
      items: { title: string }[];
    };
    expect(list.items.map((d) => d.title)).not.toContain('too big');
  });

  it('PUT /content past the limit stores nothing; within it, it stores', async () => {
    const id = await createSmall('put');
    const before = await audited(id);
    await expectTooLarge(
      await h.request(`/v1/documents/${id}/content`, {
        method: 'PUT',
        token: admin.token,
        json: { text: big },
      }),
    );
    expect(await textOf(id)).toBe('small');
    expect(await audited(id)).toEqual(before);
    const ok = await h.request(`/v1/documents/${id}/content`, {
      method: 'PUT',
      token: admin.token,
      json: { markdown: 'still *small*' },
    });
    expect(ok.status).toBe(200);
    expect(await textOf(id)).toBe('still small');
  });

  it('POST /updates past the limit stores nothing', async () => {
    const id = await createSmall('updates');
    const before = await audited(id);
    const editor = new Y.Doc();
    editor.getText('notes').insert(0, big);
    await expectTooLarge(
      await h.request(`/v1/documents/${id}/updates`, {
        method: 'POST',
        token: admin.token,
        headers: { 'content-type': 'application/octet-stream' },
        body: Y.encodeStateAsUpdate(editor),
      }),
    );
    expect(await textOf(id)).toBe('small');
    expect(await audited(id)).toEqual(before);
  });

  it('POST /restore to a state past the limit keeps no version and stores nothing', async () => {
    // Written below the API, where no limit applies, as a document grown before the
    // limit was lowered would be.
    const workspaceId = (
      (await (await h.request('/v1/workspaces', { token: admin.token })).json()) as {
        items: { id: string }[];
      }
    ).items[0]?.id;
    if (!workspaceId) throw new Error('no workspace');
    const created = await documentCreator(h.t.db, {
      workspaceId,
      title: 'restore',
      content: { text: big },
      actorId: admin.id,
    });
    const version = await h.request(`/v1/documents/${created.id}/versions`, {
      method: 'POST',
      token: admin.token,
      json: { label: 'big' },
    });
    expect(version.status).toBe(201);
    const versionId = ((await version.json()) as { id: string }).id;
    const shrink = await h.request(`/v1/documents/${created.id}/content`, {
      method: 'PUT',
      token: admin.token,
      json: { text: 'short now' },
    });
    expect(shrink.status).toBe(200);
    const before = await audited(created.id);
    const versionsBefore = await (
      await h.request(`/v1/documents/${created.id}/versions`, { token: admin.token })
    ).json();

    await expectTooLarge(
      await h.request(`/v1/documents/${created.id}/restore`, {
        method: 'POST',
        token: admin.token,
        json: { versionId },
      }),
    );
    expect(await textOf(created.id)).toBe('short now');
    expect(await audited(created.id)).toEqual(before);
    expect(
      await (await h.request(`/v1/documents/${created.id}/versions`, { token: admin.token })).json(),
    ).toEqual(versionsBefore);
  });
});
