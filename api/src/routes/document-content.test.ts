import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { buildTestApi, type TestApi } from '../test-app.js';

let h: TestApi;
beforeAll(async () => {
  h = await buildTestApi();
});
afterAll(async () => h?.close());

/** The document's binary state, as an editor would sync it. */
async function editorDoc(token: string, id: string): Promise<Y.Doc> {
  const response = await h.request(`/v1/documents/${id}/content?format=yjs`, { token });
  expect(response.headers.get('content-type')).toBe('application/octet-stream');
  const doc = new Y.Doc();
  Y.applyUpdate(doc, new Uint8Array(await response.arrayBuffer()));
  return doc;
}

const postUpdate = (token: string, id: string, update: Uint8Array) =>
  h.request(`/v1/documents/${id}/updates`, {
    method: 'POST',
    token,
    headers: { 'content-type': 'application/octet-stream' },
    body: update,
  });

describe('content', () => {
  it('reads text and ProseMirror JSON of XML fragments and text types', async () => {
    const owner = await h.user('content@example.com');
    const doc = await h.createDocument(owner.token, {
      title: 'Rich',
      content: { markdown: '# Title\n\nSome **bold** and [a link](https://example.com).\n\n- one\n- two' },
    });
    const json = (await (
      await h.request(`/v1/documents/${doc.id}/content?format=json`, { token: owner.token })
    ).json()) as {
      default: { type: string; content: { type: string }[] };
    };
    expect(json.default.type).toBe('doc');
    // Ending in a list, the document gets the trailing paragraph Tiptap editors keep.
    expect(json.default.content.map((n) => n.type)).toEqual([
      'heading',
      'paragraph',
      'bulletList',
      'paragraph',
    ]);
    expect(JSON.stringify(json.default)).toContain('{"type":"text","text":"bold","marks":[{"type":"bold"}]}');
    // The link mark with Tiptap's attributes, as a Tiptap editor stores it.
    expect(JSON.stringify(json.default)).toContain(
      '"marks":[{"type":"link","attrs":{"href":"https://example.com","target":"_blank","rel":"noopener noreferrer nofollow","class":null,"title":null}}]',
    );
    // The trailing empty paragraph is an empty last line.
    expect(await h.text(owner.token, doc.id)).toBe('Title\nSome bold and a link.\none\ntwo\n');

    // An editor adds a Y.Text next to the fragment: both are in the text output.
    const editor = await editorDoc(owner.token, doc.id);
    const before = Y.encodeStateVector(editor);
    editor.getText('notes').insert(0, 'side note');
    expect((await postUpdate(owner.token, doc.id, Y.encodeStateAsUpdate(editor, before))).status).toBe(200);
    expect(await h.text(owner.token, doc.id)).toBe('Title\nSome bold and a link.\none\ntwo\n\n\nside note');
    const both = (await (
      await h.request(`/v1/documents/${doc.id}/content?format=json`, { token: owner.token })
    ).json()) as Record<string, unknown>;
    expect(both.notes).toBe('side note');
  });

  it('stores binary updates attributed to the caller and reflects them in every format', async () => {
    const owner = await h.user('bin@example.com');
    const doc = await h.createDocument(owner.token, { title: 'Binary' });
    const editor = new Y.Doc();
    editor.getText('body').insert(0, 'typed by an editor');
    const response = await postUpdate(owner.token, doc.id, Y.encodeStateAsUpdate(editor));
    expect(response.status).toBe(200);
    // seq: the row's place in the one global log sequence.
    const stored = (await response.json()) as { changed: boolean; seq: number };
    expect(stored).toMatchObject({ changed: true, seq: expect.any(Number) });
    expect(await h.text(owner.token, doc.id)).toBe('typed by an editor');
    const replica = await editorDoc(owner.token, doc.id);
    expect(replica.getText('body').toString()).toBe('typed by an editor');

    // Sending the same update again changes nothing and stores nothing.
    const again = await postUpdate(owner.token, doc.id, Y.encodeStateAsUpdate(editor));
    expect(await again.json()).toMatchObject({ changed: false });
    const rows = await h.t.db
      .selectFrom('document_updates')
      .select(['actor_id', 'seq'])
      .where('document_id', '=', doc.id)
      .execute();
    expect(rows).toEqual([{ actor_id: owner.id, seq: stored.seq }]);
    const audit = await h.t.db
      .selectFrom('audit_events')
      .select(['actor_id', 'details'])
      .where('document_id', '=', doc.id)
      .where('action', '=', 'document.update')
      .execute();
    expect(audit).toEqual([{ actor_id: owner.id, details: expect.objectContaining({ updates: 1 }) }]);
  });

  it('rejects malformed, forged and dangling updates without storing anything', async () => {
    const owner = await h.user('evil@example.com');
    const doc = await h.createDocument(owner.token, { title: 'Target' });
    // A struct count claiming millions of structs in a few bytes (Yjs would preallocate).
    const forged = Uint8Array.of(1, 0xff, 0xff, 0xff, 0x7f, 1, 0, 4, 1, 1, 97, 0);
    const cases = [forged, Uint8Array.of(0xff, 0xff, 0xff), Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8)];
    for (const bytes of cases) {
      const response = await postUpdate(owner.token, doc.id, bytes);
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ field: 'body' });
    }
    // Well-formed but depending on state the document never had.
    const base = new Y.Doc();
    base.getText('t').insert(0, 'abc');
    const sv = Y.encodeStateVector(base);
    base.getText('t').insert(3, 'def');
    const dangling = await postUpdate(owner.token, doc.id, Y.encodeStateAsUpdate(base, sv));
    expect(dangling.status).toBe(400);
    const wrongType = await h.request(`/v1/documents/${doc.id}/updates`, {
      method: 'POST',
      token: owner.token,
      json: { update: 'abc' },
    });
    expect(wrongType.status).toBe(415);
    const rows = await h.t.db
      .selectFrom('document_updates')
      .select('seq')
      .where('document_id', '=', doc.id)
      .execute();
    expect(rows).toEqual([]);
  });

  it('replaces text minimally in a Y.Text so concurrent edits elsewhere survive', async () => {
    const owner = await h.user('merge@example.com');
    const doc = await h.createDocument(owner.token, { title: 'Merge' });
    const editor = new Y.Doc();
    editor.getText('body').insert(0, 'alpha beta gamma');
    await postUpdate(owner.token, doc.id, Y.encodeStateAsUpdate(editor));
    const put = await h.request(`/v1/documents/${doc.id}/content`, {
      method: 'PUT',
      token: owner.token,
      json: { text: 'alpha BETA gamma' },
    });
    expect(put.status).toBe(200);
    // Concurrently, the editor appended text without seeing the REST write.
    editor.getText('body').insert(16, '!');
    const sv = Y.encodeStateVector(await editorDoc(owner.token, doc.id));
    await postUpdate(owner.token, doc.id, Y.encodeStateAsUpdate(editor, sv));
    expect(await h.text(owner.token, doc.id)).toBe('alpha BETA gamma!');
  });
});
