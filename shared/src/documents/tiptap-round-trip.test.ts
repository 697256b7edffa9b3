import { getSchema } from '@tiptap/core';
import StarterKit from '@tiptap/starter-kit';
import { JSDOM } from 'jsdom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { yXmlFragmentToProsemirrorJSON } from 'y-prosemirror';
import * as Y from 'yjs';
import { fragmentToMarkdown, parseMarkdown, serializeMarkdown } from './markdown.js';
import { applyContentReplacement, DEFAULT_FIELD } from './writer.js';

/**
 * What Folio writes from Markdown is what a Tiptap StarterKit editor reads, and what
 * such an editor writes reads back as the same Markdown: checked against a schema
 * built here from Tiptap itself, and against real Tiptap editors (with the
 * Collaboration extension, on jsdom) syncing through Yjs updates.
 */

const corpus = [
  '# Heading one',
  '## Heading with **bold**',
  'A paragraph with **bold**, *italic*, ~~strike~~, `code` and [a link](https://example.com/a "Title").\\',
  'After a hard break.',
  '- one',
  '- two',
  '  - nested *a*',
  '  - nested b',
  '    1. deep',
  '- three',
  '',
  '3. three',
  '4. four',
  '',
  '> quoted paragraph',
  '>',
  '> > nested quote',
  '',
  '```ts',
  'const x = 1;',
  '```',
  '',
  '---',
  '',
  'Last paragraph.',
].join('\n');

/** The document as another process sees it: rebuilt from its encoded state. */
const reload = (doc: Y.Doc) => {
  const fresh = new Y.Doc();
  Y.applyUpdate(fresh, Y.encodeStateAsUpdate(doc));
  return fresh;
};

function typesIn(
  json: { type: string; content?: unknown[]; marks?: { type: string }[] },
  into = new Set<string>(),
) {
  into.add(json.type);
  for (const mark of json.marks ?? []) into.add(`mark:${mark.type}`);
  for (const child of (json.content ?? []) as (typeof json)[]) typesIn(child, into);
  return into;
}

describe('Markdown into the Tiptap StarterKit schema', () => {
  const tiptap = getSchema([StarterKit]);

  it('is valid in that schema after a trip through Yjs, and covers every StarterKit construct', () => {
    const doc = new Y.Doc();
    applyContentReplacement(doc, { markdown: corpus }, null);
    const json = yXmlFragmentToProsemirrorJSON(reload(doc).getXmlFragment(DEFAULT_FIELD));
    const node = tiptap.nodeFromJSON(json);
    node.check();
    expect(node.toJSON()).toEqual(parseMarkdown(corpus).toJSON());
    expect([...typesIn(node.toJSON())].sort()).toEqual(
      [
        'blockquote',
        'bulletList',
        'codeBlock',
        'doc',
        'hardBreak',
        'heading',
        'horizontalRule',
        'listItem',
        'orderedList',
        'paragraph',
        'text',
        'mark:bold',
        'mark:code',
        'mark:italic',
        'mark:link',
        'mark:strike',
      ].sort(),
    );
    const link = JSON.stringify(node.toJSON());
    expect(link).toContain('"href":"https://example.com/a"');
    expect(link).toContain('"title":"Title"');
    expect(link).toContain('{"type":"orderedList","attrs":{"start":3,"type":null}');
    expect(link).toContain('{"type":"codeBlock","attrs":{"language":"ts"}');
  });

  it('round-trips: Markdown → document → Markdown is stable, and the document is unchanged', () => {
    const first = serializeMarkdown(parseMarkdown(corpus));
    expect(parseMarkdown(first).eq(parseMarkdown(corpus))).toBe(true);
    expect(serializeMarkdown(parseMarkdown(first))).toBe(first);
    const doc = new Y.Doc();
    applyContentReplacement(doc, { markdown: corpus }, null);
    expect(fragmentToMarkdown(reload(doc).getXmlFragment(DEFAULT_FIELD))).toBe(first);
  });

  it('refuses links that markdown-it does not validate, keeping their text', () => {
    const json = JSON.stringify(parseMarkdown('[x](javascript:alert(1)) [y](data:text/html,hi)').toJSON());
    expect(json).not.toContain('"link"');
    expect(json).toContain('[x](javascript:alert(1))');
  });
});

describe('against real Tiptap editors', () => {
  let dom: JSDOM;
  let Editor: typeof import('@tiptap/core').Editor;
  let Collaboration: typeof import('@tiptap/extension-collaboration').default;
  const restore: (() => void)[] = [];

  beforeAll(async () => {
    dom = new JSDOM('<!doctype html><html><body></body></html>', { pretendToBeVisual: true });
    const { window } = dom;
    // The browser globals ProseMirror's view reads.
    for (const name of [
      'window',
      'document',
      'navigator',
      'Node',
      'HTMLElement',
      'Element',
      'MutationObserver',
      'getComputedStyle',
      'requestAnimationFrame',
      'cancelAnimationFrame',
      'DOMParser',
      'ClipboardEvent',
      'DragEvent',
    ] as const) {
      const previous = Object.getOwnPropertyDescriptor(globalThis, name);
      const value = name === 'window' ? window : (window as unknown as Record<string, unknown>)[name];
      Object.defineProperty(globalThis, name, { value, configurable: true, writable: true });
      restore.push(() =>
        previous
          ? Object.defineProperty(globalThis, name, previous)
          : Reflect.deleteProperty(globalThis, name),
      );
    }
    ({ Editor } = await import('@tiptap/core'));
    Collaboration = (await import('@tiptap/extension-collaboration')).default;
  });
  afterAll(() => {
    for (const undo of restore.reverse()) undo();
    dom?.window.close();
  });

  /** A Tiptap editor bound to its own Y.Doc, as in a browser tab. */
  const editorOn = (ydoc: Y.Doc) =>
    new Editor({
      element: document.createElement('div'),
      extensions: [
        StarterKit.configure({ undoRedo: false }),
        Collaboration.configure({ document: ydoc, field: DEFAULT_FIELD }),
      ],
    });

  /** Sends every later change of `from` to `to`, as a sync provider would. */
  const link = (from: Y.Doc, to: Y.Doc) => {
    Y.applyUpdate(to, Y.encodeStateAsUpdate(from, Y.encodeStateVector(to)));
    from.on('update', (update: Uint8Array) => Y.applyUpdate(to, update));
  };

  it('shows Markdown written by Folio exactly as parsed, and keeps it as it is', () => {
    const server = new Y.Doc();
    applyContentReplacement(server, { markdown: corpus }, null);
    const tab = new Y.Doc();
    link(server, tab);
    const editor = editorOn(tab);
    try {
      expect(editor.getJSON()).toEqual(parseMarkdown(corpus).toJSON());
      // Binding to the document made no change of its own to what Folio wrote.
      expect(fragmentToMarkdown(reload(tab).getXmlFragment(DEFAULT_FIELD))).toBe(
        serializeMarkdown(parseMarkdown(corpus)),
      );
      // A REST replacement reaches the open editor as an ordinary update.
      applyContentReplacement(server, { markdown: '# Replaced\n\n- still *a* list' }, null);
      expect(editor.getJSON()).toEqual(parseMarkdown('# Replaced\n\n- still *a* list').toJSON());
    } finally {
      editor.destroy();
    }
  });

  it('reads what an editor typed as Markdown that another editor shows the same', () => {
    const tab = new Y.Doc();
    const editor = editorOn(tab);
    const server = new Y.Doc();
    link(tab, server);
    try {
      editor.commands.setContent(
        '<h2>Typed <strong>here</strong></h2>' +
          '<p>Some <strong>bold</strong>, <em>italic</em>, <s>strike</s>, <code>code</code>, ' +
          '<a href="https://example.com/t">a link</a><br>after a break</p>' +
          '<ul><li><p>a</p><ul><li><p>b</p></li></ul></li></ul>' +
          '<ol start="5"><li><p>five</p></li></ol>' +
          '<blockquote><p>quoted</p></blockquote>' +
          '<pre><code class="language-js">run()</code></pre><hr><p>end</p>',
      );
      const typed = editor.getJSON();
      const markdown = fragmentToMarkdown(reload(server).getXmlFragment(DEFAULT_FIELD));
      expect(markdown).toContain('## Typed **here**');
      expect(markdown).toContain('[a link](https://example.com/t)');
      expect(markdown).toContain('5. five');

      // Written back through Folio into another editor's document: the same content.
      const other = new Y.Doc();
      applyContentReplacement(other, { markdown }, null);
      const second = editorOn(other);
      try {
        expect(second.getJSON()).toEqual(typed);
      } finally {
        second.destroy();
      }
    } finally {
      editor.destroy();
    }
  });
});
