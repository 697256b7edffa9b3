import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { documentJson } from './content.js';
import { transferDocumentState } from './state-transfer.js';
import { applyContentReplacement } from './writer.js';

/** A document as a client holds it: decoded from the stored bytes. */
const decoded = (doc: Y.Doc) => {
  const copy = new Y.Doc();
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc));
  return copy;
};

/** Applies the transfer to a copy of `from` and returns what a peer of `from` would see. */
function transfer(from: Y.Doc, to: Y.Doc) {
  const working = decoded(from);
  const updates: Uint8Array[] = [];
  working.on('update', (u: Uint8Array) => updates.push(u));
  transferDocumentState(working, decoded(to), 'test');
  const peer = decoded(from);
  for (const u of updates) Y.applyUpdate(peer, u);
  return { peer, updates };
}

describe('transferDocumentState', () => {
  it('turns every kind of root into the target, as an ordinary update a peer applies', () => {
    const before = new Y.Doc();
    applyContentReplacement(before, { markdown: '# Old\n\nkept paragraph\n\n**bold** gone' }, 'x');
    before.getText('plain').insert(0, 'hello brave new world');
    before.getText('rich').insert(0, 'styled', { bold: true });
    before.getMap('meta').set('status', 'draft');
    before.getMap('meta').set('removed', 1);
    before.getArray('tags').insert(0, ['a', 'b']);
    before.getText('only-before').insert(0, 'vanishes');

    const after = new Y.Doc();
    applyContentReplacement(after, { markdown: '# New\n\nkept paragraph\n\n*added*' }, 'x');
    after.getText('plain').insert(0, 'hello old world');
    after.getText('rich').insert(0, 'other', { italic: true });
    after.getMap('meta').set('status', 'final');
    const nested = new Y.Map<unknown>();
    after.getMap('meta').set('nested', nested);
    nested.set('deep', [1, 2]);
    after.getArray('tags').insert(0, ['b', 'c']);

    const { peer } = transfer(before, after);
    expect(documentJson(decoded(peer))).toEqual(documentJson(decoded(after)));
    expect(decoded(peer).getText('rich').toDelta()).toEqual([
      { insert: 'other', attributes: { italic: true } },
    ]);
  });

  it('changes nothing when the states already match', () => {
    const doc = new Y.Doc();
    applyContentReplacement(doc, { markdown: 'same' }, 'x');
    doc.getText('t').insert(0, 'same');
    expect(transfer(doc, doc).updates).toEqual([]);
  });

  it('keeps unchanged text and paragraphs, so concurrent edits there survive', () => {
    const before = new Y.Doc();
    applyContentReplacement(before, { text: 'first\nsecond\nthird' }, 'x');
    before.getText('t').insert(0, 'abc XYZ def');
    const after = new Y.Doc();
    applyContentReplacement(after, { text: 'first\nchanged\nthird' }, 'x');
    after.getText('t').insert(0, 'abc def');

    const { updates } = transfer(before, after);
    // Someone edits the first paragraph and the text's end while the restore is computed.
    const concurrent = decoded(before);
    const paragraph = (concurrent.getXmlFragment('default').get(0) as Y.XmlElement).get(0) as Y.XmlText;
    paragraph.insert(5, '!');
    concurrent.getText('t').insert(concurrent.getText('t').length, '+');
    for (const u of updates) Y.applyUpdate(concurrent, u);
    expect(documentJson(concurrent)).toMatchObject({ t: 'abc def+' });
    expect(JSON.stringify(documentJson(concurrent).default)).toContain('first!');
    expect(JSON.stringify(documentJson(concurrent).default)).toContain('changed');
  });
});
