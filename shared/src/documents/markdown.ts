/**
 * Markdown in and out of the Tiptap StarterKit schema, through maintained libraries:
 * markdown-it (CommonMark plus `~~strike~~`, linear-time tokenizer) and
 * prosemirror-markdown's parser and serializer, mapped to Tiptap's node and mark names.
 * Raw HTML is not interpreted (it stays text), images and tables are not part of
 * StarterKit (an image reads as its alt text in brackets), and links keep only what
 * markdown-it's link validation lets through (no `javascript:`, `vbscript:`, `file:`,
 * `data:`).
 *
 * Limits, checked before any tree is built, so hostile input is refused in
 * milliseconds: lines of at most `MARKDOWN_LIMITS.lineChars` characters and block
 * nesting (quotes, lists) of at most `MARKDOWN_LIMITS.depth` levels.
 */
import type { Node as ProseMirrorNode, Schema } from '@tiptap/pm/model';
import MarkdownIt from 'markdown-it';
import { MarkdownParser, MarkdownSerializer, type MarkdownSerializerState } from 'prosemirror-markdown';
import { yXmlFragmentToProseMirrorRootNode } from 'y-prosemirror';
import type * as Y from 'yjs';
import { rootTypes } from './content.js';
import { checkMarkdownLines, MARKDOWN_LIMITS, MarkdownLimitError } from './markdown-limits.js';

export { checkMarkdownLines, MARKDOWN_LIMITS, MarkdownLimitError };

import { editorSchema } from './editor-schema.js';

// markdown-it stops nesting silently at maxNesting (it drops the rest of the input);
// one level more than the limit lets the depth check below see that it was reached.
const tokenizer = MarkdownIt('commonmark', { html: false, maxNesting: MARKDOWN_LIMITS.depth + 1 })
  .enable('strikethrough')
  .disable('image');

type Tokens = ReturnType<typeof tokenizer.parse>;

/**
 * A parser that builds the tree from tokens already produced (and checked): the
 * parser only ever calls its tokenizer's `parse`, so it is handed one that returns
 * them. (prosemirror-markdown is typed against markdown-it 14; 15's tokens are the same.)
 */
function markdownParser(schema: Schema, tokens: Tokens): MarkdownParser {
  const tokenized = { parse: () => tokens } as unknown as ConstructorParameters<typeof MarkdownParser>[1];
  return new MarkdownParser(schema, tokenized, {
    blockquote: { block: 'blockquote' },
    paragraph: { block: 'paragraph' },
    list_item: { block: 'listItem' },
    bullet_list: { block: 'bulletList' },
    ordered_list: {
      block: 'orderedList',
      getAttrs: (token) => ({ start: Number(token.attrGet('start') ?? 1) }),
    },
    heading: { block: 'heading', getAttrs: (token) => ({ level: Number(token.tag.slice(1)) }) },
    code_block: { block: 'codeBlock', noCloseToken: true },
    fence: {
      block: 'codeBlock',
      getAttrs: (token) => ({ language: token.info.trim().split(/\s+/)[0] || null }),
      noCloseToken: true,
    },
    hr: { node: 'horizontalRule' },
    hardbreak: { node: 'hardBreak' },
    em: { mark: 'italic' },
    strong: { mark: 'bold' },
    s: { mark: 'strike' },
    code_inline: { mark: 'code', noCloseToken: true },
    link: {
      mark: 'link',
      getAttrs: (token) => ({ href: token.attrGet('href'), title: token.attrGet('title') || null }),
    },
  });
}

/**
 * Parses Markdown into a document of the Tiptap StarterKit schema, checked against it.
 * Throws `MarkdownLimitError` for input beyond `MARKDOWN_LIMITS`. Linear in the input;
 * about 1 µs per character for prose, a few µs for the worst (marks on every
 * character), so large bodies belong in a worker thread (`ContentConverter`).
 */
export function parseMarkdown(markdown: string): ProseMirrorNode {
  checkMarkdownLines(markdown);
  const tokens = tokenizer.parse(markdown, {});
  for (const token of tokens) {
    if (token.nesting === 1 && token.level + 1 > MARKDOWN_LIMITS.depth) {
      throw new MarkdownLimitError(
        `blocks nest more than ${MARKDOWN_LIMITS.depth} levels deep (line ${(token.map?.[0] ?? 0) + 1})`,
      );
    }
  }
  const schema = editorSchema();
  const parsed = markdownParser(schema, tokens).parse(markdown);
  // StarterKit's TrailingNode makes every editor that opens a document ending in
  // anything but a paragraph append an empty one (each editor its own, concurrently):
  // write the document as the editors would settle it.
  const doc =
    parsed.lastChild?.type.name === 'paragraph'
      ? parsed
      : parsed.copy(parsed.content.addToEnd(schema.node('paragraph')));
  doc.check();
  return doc;
}

/** One paragraph per line of plain text (blank lines become empty paragraphs). */
export function parsePlainText(text: string): ProseMirrorNode {
  const schema = editorSchema();
  const paragraphs = text
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) => schema.node('paragraph', null, line ? [schema.text(line)] : []));
  return schema.node('doc', null, paragraphs);
}

const listItems = (bullet: string) => (state: MarkdownSerializerState, node: ProseMirrorNode) =>
  state.renderList(node, '  ', () => `${bullet} `);

let serializer: MarkdownSerializer | undefined;

function markdownSerializer(): MarkdownSerializer {
  serializer ??= new MarkdownSerializer(
    {
      blockquote: (state, node) => state.wrapBlock('> ', null, node, () => state.renderContent(node)),
      codeBlock: (state, node) => {
        // A fence longer than any run of backticks inside the code.
        const longest = Math.max(2, ...(node.textContent.match(/`{3,}/g) ?? []).map((run) => run.length));
        const fence = '`'.repeat(longest + 1);
        state.write(`${fence}${node.attrs.language ?? ''}\n`);
        state.text(node.textContent, false);
        state.write('\n');
        state.write(fence);
        state.closeBlock(node);
      },
      heading: (state, node) => {
        state.write(`${'#'.repeat(node.attrs.level as number)} `);
        state.renderInline(node, false);
        state.closeBlock(node);
      },
      horizontalRule: (state, node) => {
        state.write('---');
        state.closeBlock(node);
      },
      bulletList: listItems('-'),
      orderedList: (state, node) => {
        const start = (node.attrs.start as number | null) ?? 1;
        const width = String(start + node.childCount - 1).length;
        state.renderList(node, ' '.repeat(width + 2), (i) => `${String(start + i).padStart(width)}. `);
      },
      listItem: (state, node) => state.renderContent(node),
      paragraph: (state, node) => {
        state.renderInline(node);
        state.closeBlock(node);
      },
      hardBreak: (state, node, parent, index) => {
        // A trailing hard break has no Markdown form; one before text is `\` + newline.
        for (let i = index + 1; i < parent.childCount; i++) {
          if (parent.child(i).type !== node.type) {
            state.write('\\\n');
            return;
          }
        }
      },
      text: (state, node) => state.text(node.text ?? ''),
    },
    {
      italic: { open: '*', close: '*', mixable: true, expelEnclosingWhitespace: true },
      bold: { open: '**', close: '**', mixable: true, expelEnclosingWhitespace: true },
      strike: { open: '~~', close: '~~', mixable: true, expelEnclosingWhitespace: true },
      // Markdown has no underline: the text stays, the mark is not written.
      underline: { open: '', close: '', mixable: true },
      link: {
        open: () => '[',
        close: (_state, mark) =>
          `](${String(mark.attrs.href ?? '').replace(/[()"\s]/g, (c) => encodeURIComponent(c))}${
            mark.attrs.title ? ` "${String(mark.attrs.title).replace(/"/g, '\\"')}"` : ''
          })`,
        mixable: true,
      },
      code: {
        open: (_state, _mark, parent, index) => backticksFor(parent.child(index), -1),
        close: (_state, _mark, parent, index) => backticksFor(parent.child(index - 1), 1),
        escape: false,
      },
    },
    { hardBreakNodeName: 'hardBreak', strict: false },
  );
  return serializer;
}

function backticksFor(node: ProseMirrorNode, side: number): string {
  let longest = 0;
  for (const run of node.isText ? (node.text?.match(/`+/g) ?? []) : [])
    longest = Math.max(longest, run.length);
  const ticks = '`'.repeat(longest + 1);
  if (longest === 0) return ticks;
  return side < 0 ? `${ticks} ` : ` ${ticks}`;
}

/**
 * Markdown for a document of the Tiptap StarterKit schema (unknown nodes keep their text).
 *
 * prosemirror-markdown's serializer is quadratic in the length of its output (it
 * re-examines the text written so far while writing: 19 s for a 1 MB document), so each
 * top-level block is serialized on its own and the pieces are joined the way its
 * `flushClose` would join them: a blank line between blocks, two between adjacent lists
 * of one type (so they stay two lists), and blocks that render to nothing (empty
 * paragraphs) leave no gap of their own but do part two lists. Linear;
 * `serializeMarkdownAtOnce` is the reference it is tested against.
 */
export function serializeMarkdown(doc: ProseMirrorNode): string {
  const serializer = markdownSerializer();
  // Pieces joined once at the end: reading back a string built by `+=` flattens it.
  const pieces: string[] = [];
  let atBlank = true;
  let closed: ProseMirrorNode | undefined;
  for (let i = 0; i < doc.childCount; i++) {
    const block = doc.child(i);
    const text = serializer.serialize(doc.type.create(doc.attrs, block), { tightLists: true });
    if (text !== '') {
      if (closed) {
        // flushClose: end the line, then one line per blank line wanted.
        const blankLines = closed.type === block.type && LISTS.has(block.type.name) ? 2 : 1;
        pieces.push(`${atBlank ? '' : '\n'}${'\n'.repeat(blankLines)}`);
      }
      pieces.push(text);
      atBlank = text.endsWith('\n');
    }
    closed = block;
  }
  return pieces.join('');
}

const LISTS = new Set(['bulletList', 'orderedList']);

/** The whole document through prosemirror-markdown at once (quadratic: tests only). */
export function serializeMarkdownAtOnce(doc: ProseMirrorNode): string {
  return markdownSerializer().serialize(doc, { tightLists: true });
}

/**
 * Markdown of an XML fragment as a Tiptap StarterKit editor shows it, read with
 * y-prosemirror's converter. Elements the schema does not know are left out — and
 * y-prosemirror deletes them from the fragment it reads, so pass a document loaded for
 * the purpose (as REST reads do), never a live one.
 */
export function fragmentToMarkdown(fragment: Y.XmlFragment): string {
  return serializeMarkdown(yXmlFragmentToProseMirrorRootNode(fragment, editorSchema()));
}

/**
 * `format=markdown`: every top-level XML fragment as Markdown and every Y.Text as its
 * text, in name order, separated by a blank line (as `documentText` orders them).
 * Reads a loaded copy only (see `fragmentToMarkdown`).
 */
export function documentMarkdown(doc: Y.Doc): string {
  return rootTypes(doc)
    .filter((root) => root.kind === 'text' || root.kind === 'xml')
    .map((root) =>
      root.kind === 'xml' ? fragmentToMarkdown(root.type as Y.XmlFragment) : (root.type as Y.Text).toString(),
    )
    .join('\n\n');
}
