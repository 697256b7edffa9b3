import MarkdownIt from 'markdown-it';
import { MarkdownParser } from 'prosemirror-markdown';
import { getSchema } from '@tiptap/core';
import StarterKit from '@tiptap/starter-kit';
import { prosemirrorToYXmlFragment } from 'y-prosemirror';
import * as Y from 'yjs';
let t = performance.now();
const schema = getSchema([StarterKit]);
console.log('schema', (performance.now()-t).toFixed(0), Object.keys(schema.nodes), Object.keys(schema.marks));
for (const [n, s] of Object.entries(schema.nodes)) console.log(n, JSON.stringify(s.spec.attrs ?? {}), s.spec.content);
for (const [n, s] of Object.entries(schema.marks)) console.log(n, JSON.stringify(s.spec.attrs ?? {}), s.spec.excludes);
const md = MarkdownIt('commonmark', { html: false, maxNesting: 33 }).enable('strikethrough').disable('image');
const parser = new MarkdownParser(schema, md, {
  blockquote: { block: 'blockquote' }, paragraph: { block: 'paragraph' }, list_item: { block: 'listItem' },
  bullet_list: { block: 'bulletList' }, ordered_list: { block: 'orderedList', getAttrs: (tok) => ({ start: +(tok.attrGet('start') ?? 1) }) },
  heading: { block: 'heading', getAttrs: (tok) => ({ level: +tok.tag.slice(1) }) },
  code_block: { block: 'codeBlock', noCloseToken: true }, fence: { block: 'codeBlock', getAttrs: (tok) => ({ language: tok.info || null }), noCloseToken: true },
  hr: { node: 'horizontalRule' }, hardbreak: { node: 'hardBreak' },
  em: { mark: 'italic' }, strong: { mark: 'bold' }, s: { mark: 'strike' }, code_inline: { mark: 'code', noCloseToken: true },
  link: { mark: 'link', getAttrs: (tok) => ({ href: tok.attrGet('href'), title: tok.attrGet('title') || null }) },
});
const cases = {
  'brackets 60KB line': '['.repeat(60_000),
  'brackets 2M': '['.repeat(2_000_000),
  '> x 8000': '>'.repeat(8000) + ' x',
  '* x 100k': '*'.repeat(100_000),
  '* x 2M': '*'.repeat(2_000_000),
  '*a x 1M': '*a'.repeat(1_000_000),
  '[a]( x 500k': '[a]('.repeat(500_000),
  'deep list 1000': Array.from({length: 1000}, (_, i) => ' '.repeat(i*2) + '- item').join('\n'),
  '2,000,000 chars prose': ('Some *text* with **bold** and [a link](http://x.y) here.\n\n').repeat(2_000_000/57|0).slice(0,2_000_000),
  'a 2M': 'a'.repeat(2_000_000),
};
for (const [name, src] of Object.entries(cases)) {
  try {
    let t0 = performance.now();
    const tokens = md.parse(src, {});
    let t1 = performance.now();
    const maxLevel = tokens.reduce((m, tk) => Math.max(m, tk.level), 0);
    const doc = parser.parse(src);
    let t2 = performance.now();
    doc.check();
    const json = doc.toJSON();
    let t3 = performance.now();
    const ydoc = new Y.Doc();
    const frag = ydoc.getXmlFragment('default');
    ydoc.transact(() => prosemirrorToYXmlFragment(doc, frag));
    let t4 = performance.now();
    const upd = Y.encodeStateAsUpdate(ydoc);
    let t5 = performance.now();
    const d2 = new Y.Doc(); Y.applyUpdate(d2, upd);
    let t6 = performance.now();
    console.log(name, `tokenize ${(t1-t0).toFixed(0)} pm-parse(incl tokenize) ${(t2-t1).toFixed(0)} check+json ${(t3-t2).toFixed(0)} ybuild ${(t4-t3).toFixed(0)} encode ${(t5-t4).toFixed(0)} apply ${(t6-t5).toFixed(0)} ms; maxLevel ${maxLevel} bytes ${upd.byteLength} top ${doc.childCount}`);
  } catch (e) { console.log(name, 'ERR', e.message.slice(0,100)); }
}
