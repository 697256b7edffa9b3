import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { documentPlainText } from './document-text.js';

describe('documentPlainText', () => {
  it('reads texts and XML fragments of a decoded document, skipping maps and arrays', () => {
    const source = new Y.Doc();
    source.getText('body').insert(0, 'plain body');
    source.getText('body').format(0, 5, { bold: true });
    const fragment = source.getXmlFragment('prosemirror');
    const heading = new Y.XmlElement('heading');
    heading.insert(0, [new Y.XmlText('Title')]);
    const paragraph = new Y.XmlElement('paragraph');
    const inline = new Y.XmlText('Hello ');
    paragraph.insert(0, [inline]);
    inline.insert(6, 'world', { italic: true });
    fragment.insert(0, [heading, paragraph]);
    source.getMap('meta').set('secret', 'not text');
    source.getArray('list').insert(0, ['nor this']);

    const decoded = new Y.Doc();
    Y.applyUpdate(decoded, Y.encodeStateAsUpdate(source));
    expect(documentPlainText(decoded)).toBe('plain body\n\nTitle\nHello world');
    expect(documentPlainText(source)).toBe('plain body\n\nTitle\nHello world');
    expect(documentPlainText(new Y.Doc())).toBe('');
  });
});
