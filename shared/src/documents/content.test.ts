import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { documentJson, documentText, type ProseMirrorNode, rootTypes } from './content.js';
import { parseMarkdown } from './markdown.js';
import { applyContentReplacement } from './writer.js';

/** A document as the server sees it: rebuilt from bytes, with no idea of its types. */
const reload = (doc: Y.Doc) => {
  const fresh = new Y.Doc();
  Y.applyUpdate(fresh, Y.encodeStateAsUpdate(doc));
  return fresh;
};

describe('reading a document without a schema', () => {
  it('infers each root type from its content and extracts text and JSON', () => {
    const editor = new Y.Doc();
    const fragment = editor.getXmlFragment('default');
    const heading = new Y.XmlElement('heading');
    heading.setAttribute('level', 2 as unknown as string);
    const paragraph = new Y.XmlElement('paragraph');
    fragment.push([heading, paragraph]);
    heading.push([new Y.XmlText('Title')]);
    const text = new Y.XmlText();
    paragraph.push([text]);
    text.insert(0, 'plain ');
    text.insert(6, 'bold', { bold: {} });
    editor.getText('notes').insert(0, 'a note');
    editor.getMap('meta').set('status', 'draft');
    editor.getArray('tags').push(['x', 'y']);

    const doc = reload(editor);
    expect(rootTypes(doc).map((r) => [r.name, r.kind])).toEqual([
      ['default', 'xml'],
      ['meta', 'map'],
      ['notes', 'text'],
      ['tags', 'array'],
    ]);
    expect(documentText(doc)).toBe('Title\nplain bold\n\na note');
    expect(documentJson(doc)).toEqual({
      default: {
        type: 'doc',
        content: [
          { type: 'heading', attrs: { level: 2 }, content: [{ type: 'text', text: 'Title' }] },
          {
            type: 'paragraph',
            content: [
              { type: 'text', text: 'plain ' },
              { type: 'text', text: 'bold', marks: [{ type: 'bold' }] },
            ],
          },
        ],
      },
      meta: { status: 'draft' },
      notes: 'a note',
      tags: ['x', 'y'],
    });
  });

  it('reads a live document exactly as the same state reloaded, keeping empty blocks', () => {
    const live = new Y.Doc();
    live.getText('body').insert(0, 'plain body');
    live.getText('body').format(0, 5, { bold: true });
    const fragment = live.getXmlFragment('prosemirror');
    const heading = new Y.XmlElement('heading');
    heading.insert(0, [new Y.XmlText('Title')]);
    const empty = new Y.XmlElement('paragraph');
    const paragraph = new Y.XmlElement('paragraph');
    const inline = new Y.XmlText('Hello ');
    paragraph.insert(0, [inline]);
    inline.insert(6, 'world', { italic: true });
    fragment.insert(0, [heading, empty, paragraph]);
    live.getMap('meta').set('secret', 'not text');
    live.getArray('list').insert(0, ['nor this']);
    live.getText('emptied').insert(0, 'gone');
    live.getText('emptied').delete(0, 4);

    const expected = 'plain body\n\nTitle\n\nHello world';
    expect(documentText(live)).toBe(expected);
    const decoded = reload(live);
    expect(documentText(decoded)).toBe(expected);
    // Reading text never fixes the type of a root it does not read.
    expect(decoded.share.get('meta')).not.toBeInstanceOf(Y.Map);
    expect(decoded.share.get('list')).not.toBeInstanceOf(Y.Array);
    expect(documentText(new Y.Doc())).toBe('');
  });

  it('leaves out roots whose content was entirely deleted', () => {
    const editor = new Y.Doc();
    editor.getText('gone').insert(0, 'bye');
    editor.getText('gone').delete(0, 3);
    expect(documentText(reload(editor))).toBe('');
  });
});

describe('markdown', () => {
  it('reads blocks and inline marks into ProseMirror-style nodes', () => {
    const nodes: ProseMirrorNode[] = parseMarkdown(
      '# Head\n\nOne *two* `three`\ncontinued\n\n1. first\n2. second\n\n> quoted\n\n```js\ncode()\n```',
    ).toJSON().content;
    expect(nodes.map((n) => n.type)).toEqual([
      'heading',
      'paragraph',
      'orderedList',
      'blockquote',
      'codeBlock',
      // Tiptap's trailing paragraph, which editors would add anyway.
      'paragraph',
    ]);
    expect(nodes[1]?.content).toEqual([
      { type: 'text', text: 'One ' },
      { type: 'text', text: 'two', marks: [{ type: 'italic' }] },
      { type: 'text', text: ' ' },
      { type: 'text', text: 'three', marks: [{ type: 'code' }] },
      { type: 'text', text: ' continued' },
    ]);
    expect(nodes[4]).toEqual({
      type: 'codeBlock',
      attrs: { language: 'js' },
      content: [{ type: 'text', text: 'code()' }],
    });
  });
});

describe('replacing content', () => {
  it('writes into the default fragment of an empty document and round-trips the text', () => {
    const doc = new Y.Doc();
    applyContentReplacement(doc, { text: 'a\n\nb' }, null);
    expect(documentText(reload(doc))).toBe('a\n\nb');
    expect(rootTypes(reload(doc)).map((r) => r.name)).toEqual(['default']);
  });

  it('prefers an existing text root, and an explicitly named field', () => {
    const doc = new Y.Doc();
    doc.getText('body').insert(0, 'old');
    const loaded = reload(doc);
    applyContentReplacement(loaded, { markdown: '**new**' }, null);
    expect(loaded.getText('body').toString()).toBe('**new**');
    applyContentReplacement(loaded, { text: 'side', field: 'other' }, null);
    expect(documentJson(reload(loaded))).toMatchObject({
      body: '**new**',
      other: expect.objectContaining({ type: 'doc' }),
    });
  });

  it('refuses to write text into a map', () => {
    const doc = new Y.Doc();
    doc.getMap('meta').set('k', 1);
    expect(() => applyContentReplacement(reload(doc), { text: 'x', field: 'meta' }, null)).toThrow(/map/);
  });
});
