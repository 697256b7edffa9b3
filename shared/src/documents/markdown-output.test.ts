import { describe, expect, it } from 'vitest';
import { editorSchema } from './editor-schema.js';
import { parseMarkdown, serializeMarkdown, serializeMarkdownAtOnce } from './markdown.js';

describe('serializeMarkdown', () => {
  it('writes exactly what prosemirror-markdown writes for the whole document at once', () => {
    const schema = editorSchema();
    const list = (type: 'bulletList' | 'orderedList', text: string) =>
      schema.node(type, null, [
        schema.node('listItem', null, [schema.node('paragraph', null, [schema.text(text)])]),
      ]);
    const empty = () => schema.node('paragraph');
    const paragraph = (text: string) => schema.node('paragraph', null, [schema.text(text)]);
    const documents = [
      parseMarkdown(
        '# Title\n\nSome *text* here\n\n- a\n- b\n\n> quoted\n\n```ts\ncode\n```\n\n---\n\n1. one',
      ),
      // Adjacent lists of one type stay two lists; empty paragraphs leave no gap.
      schema.node('doc', null, [list('bulletList', 'a'), list('bulletList', 'b'), list('orderedList', 'c')]),
      schema.node('doc', null, [empty(), paragraph('x'), empty(), empty(), paragraph('y'), empty()]),
      schema.node('doc', null, [list('bulletList', 'a'), empty(), list('bulletList', 'b')]),
      schema.node('doc', null, [empty()]),
    ];
    for (const doc of documents) expect(serializeMarkdown(doc)).toBe(serializeMarkdownAtOnce(doc));
  });

  it('is linear: a megabyte of Markdown in well under the seconds the serializer alone needs', () => {
    const markdown = Array.from(
      { length: 10_000 },
      (_, i) => `Paragraph ${i} with *some* text ${'x'.repeat(80)}`,
    ).join('\n\n');
    const doc = parseMarkdown(markdown);
    const started = performance.now();
    expect(serializeMarkdown(doc)).toBe(markdown);
    expect(performance.now() - started).toBeLessThan(3_000);
  });
});
