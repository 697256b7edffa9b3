/**
 * A small Markdown reader for `PUT /content {markdown}`: block structure (headings,
 * paragraphs, bullet and ordered lists, block quotes, fenced code, rules) and the
 * common inline marks (bold, italic, code, links). Produces ProseMirror-style nodes
 * with the node and mark names of the Tiptap starter kit, which y-prosemirror stores
 * as they are. Not CommonMark: nested lists and reference links are read as text.
 */
import type { ProseMirrorNode } from './content.js';

type Mark = { type: string; attrs?: Record<string, unknown> };

const INLINE = /(\*\*([^*]+)\*\*|__([^_]+)__|\*([^*]+)\*|_([^_]+)_|`([^`]+)`|\[([^\]]+)\]\(([^)\s]+)\))/;

export function parseInline(text: string, marks: Mark[] = []): ProseMirrorNode[] {
  const nodes: ProseMirrorNode[] = [];
  let rest = text;
  while (rest.length > 0) {
    const match = INLINE.exec(rest);
    if (!match) {
      nodes.push(textNode(rest, marks));
      break;
    }
    if (match.index > 0) nodes.push(textNode(rest.slice(0, match.index), marks));
    const [whole, , bold1, bold2, italic1, italic2, code, linkText, href] = match;
    if (bold1 ?? bold2) nodes.push(...parseInline((bold1 ?? bold2) as string, [...marks, { type: 'bold' }]));
    else if (italic1 ?? italic2)
      nodes.push(...parseInline((italic1 ?? italic2) as string, [...marks, { type: 'italic' }]));
    else if (code !== undefined) nodes.push(textNode(code, [...marks, { type: 'code' }]));
    else if (linkText !== undefined)
      nodes.push(...parseInline(linkText, [...marks, { type: 'link', attrs: { href } }]));
    rest = rest.slice(match.index + whole.length);
  }
  return nodes;
}

function textNode(text: string, marks: Mark[]): ProseMirrorNode {
  return { type: 'text', text, ...(marks.length > 0 ? { marks } : {}) };
}

const paragraph = (text: string): ProseMirrorNode => {
  const content = parseInline(text);
  return { type: 'paragraph', ...(content.length > 0 ? { content } : {}) };
};

export function parseMarkdown(markdown: string): ProseMirrorNode[] {
  const lines = markdown.replace(/\r\n?/g, '\n').split('\n');
  const blocks: ProseMirrorNode[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i] ?? '';
    const fence = /^```\s*([\w-]*)\s*$/.exec(line);
    if (fence) {
      const code: string[] = [];
      i++;
      while (i < lines.length && !/^```\s*$/.test(lines[i] ?? '')) code.push(lines[i++] ?? '');
      i++;
      const text = code.join('\n');
      blocks.push({
        type: 'codeBlock',
        attrs: { language: fence[1] || null },
        ...(text ? { content: [{ type: 'text', text }] } : {}),
      });
      continue;
    }
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading) {
      const content = parseInline((heading[2] ?? '').trim());
      blocks.push({
        type: 'heading',
        attrs: { level: heading[1]?.length ?? 1 },
        ...(content.length > 0 ? { content } : {}),
      });
      i++;
      continue;
    }
    if (/^(\*\s*){3,}$|^(-\s*){3,}$/.test(line.trim())) {
      blocks.push({ type: 'horizontalRule' });
      i++;
      continue;
    }
    const listKind = (l: string) =>
      /^\s*[-*+]\s+/.test(l) ? 'bullet' : /^\s*\d+[.)]\s+/.test(l) ? 'ordered' : null;
    const kind = listKind(line);
    if (kind) {
      const items: ProseMirrorNode[] = [];
      while (i < lines.length && listKind(lines[i] ?? '') === kind) {
        const text = (lines[i] ?? '').replace(/^\s*([-*+]|\d+[.)])\s+/, '');
        items.push({ type: 'listItem', content: [paragraph(text)] });
        i++;
      }
      blocks.push({ type: kind === 'bullet' ? 'bulletList' : 'orderedList', content: items });
      continue;
    }
    if (/^>\s?/.test(line)) {
      const quoted: string[] = [];
      while (i < lines.length && /^>\s?/.test(lines[i] ?? ''))
        quoted.push((lines[i++] ?? '').replace(/^>\s?/, ''));
      blocks.push({ type: 'blockquote', content: parseMarkdown(quoted.join('\n')) });
      continue;
    }
    if (line.trim() === '') {
      i++;
      continue;
    }
    const para: string[] = [];
    while (i < lines.length && (lines[i] ?? '').trim() !== '' && !isBlockStart(lines[i] ?? '')) {
      para.push((lines[i++] ?? '').trim());
    }
    if (para.length === 0) para.push((lines[i++] ?? '').trim());
    blocks.push(paragraph(para.join(' ')));
  }
  return blocks;
}

const isBlockStart = (line: string) => /^```|^#{1,6}\s|^>\s?|^\s*[-*+]\s+|^\s*\d+[.)]\s+/.test(line);

/** One paragraph per line of plain text (blank lines become empty paragraphs). */
export function textToBlocks(text: string): ProseMirrorNode[] {
  return text
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) =>
      line ? { type: 'paragraph', content: [{ type: 'text', text: line }] } : { type: 'paragraph' },
    );
}
