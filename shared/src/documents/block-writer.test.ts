import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { alignBlocks, writeBlocks } from './block-writer.js';
import { documentText } from './content.js';
import { parseMarkdown } from './markdown.js';

const blocks = (markdown: string) => {
  const doc = parseMarkdown(markdown);
  return Array.from({ length: doc.childCount }, (_, i) => doc.child(i));
};
const paragraphs = (n: number) => Array.from({ length: n }, (_, i) => `Paragraph number ${i} of many.`);

describe('alignBlocks', () => {
  it('finds the few edits of a long document: one deletion, one insertion, one block edited', () => {
    const before = paragraphs(3_000);
    const after = [...before];
    after[2_900] = 'Paragraph number 2900 of many, edited.';
    after.splice(1_500, 0, 'A new paragraph.');
    after.splice(10, 1);
    const started = performance.now();
    const steps = alignBlocks(blocks(before.join('\n\n')), blocks(after.join('\n\n')));
    const ms = performance.now() - started;
    const counts = Object.fromEntries(
      ['keep', 'delete', 'update', 'insert'].map((op) => [op, steps?.filter((s) => s.op === op).length]),
    );
    expect(counts).toEqual({ keep: 2_998, delete: 1, update: 1, insert: 1 });
    expect(ms).toBeLessThan(2_000);
  });

  it('pairs an edited block with itself rather than with a removed neighbour', () => {
    const steps = alignBlocks(
      blocks('Alpha one\n\nBravo two\n\nCharlie'),
      blocks('Alpha one\n\nBravo two, longer'),
    );
    expect(steps?.map((s) => s.op)).toEqual(['keep', 'update', 'delete']);
  });
});

describe('writeBlocks', () => {
  it('keeps text typed concurrently into a block next to one that is removed', () => {
    const doc = new Y.Doc();
    const fragment = doc.getXmlFragment('default');
    writeBlocks(fragment, parseMarkdown('One\n\nTwo\n\nThree\n\nFour'));
    const person = new Y.Doc();
    Y.applyUpdate(person, Y.encodeStateAsUpdate(doc));
    const three = (person.getXmlFragment('default').get(2) as Y.XmlElement).get(0) as Y.XmlText;
    three.insert(5, ' typed');
    // Meanwhile: Two removed, Four edited — y-prosemirror's positional pairing alone
    // would rewrite Three as Four and delete the last block.
    writeBlocks(fragment, parseMarkdown('One\n\nThree\n\nFour!'));
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(person));
    expect(documentText(doc)).toBe('One\nThree typed\nFour!');
  });
});
