import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { DocumentRow, User } from '../db/schema.js';
import { documentText } from '../documents/content.js';
import { documentMarkdown } from '../documents/markdown.js';
import { buildDocument, buildUser } from '../testing/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../testing/index.js';
import { documentCompactor } from './document-compactor.js';
import { documentContentMerger } from './document-content-merger.js';
import { documentContentReader } from './document-content-reader.js';
import { documentContentReplacer } from './document-content-replacer.js';
import { documentStateRebuilder, stateEtag } from './document-etag.js';
import { documentStateLoader } from './document-state-loader.js';
import { documentUpdateRecorder } from './document-update-recorder.js';

let t: TestDatabase;
let owner: User;
let human: User;
beforeAll(async () => {
  t = await createTestDatabase();
  owner = await buildUser(t.db, { name: 'Agent Owner' });
  human = await buildUser(t.db, { name: 'Human' });
});
afterAll(async () => t?.drop());

async function documentWith(markdown: string): Promise<DocumentRow> {
  const doc = await buildDocument(t.db, owner);
  await documentContentReplacer(t.db, {
    documentId: doc.id,
    actorId: owner.id,
    replacement: { markdown },
  });
  return doc;
}

/** What an integration does first: read the Markdown and its ETag. */
async function read(documentId: string, workspaceId: string) {
  const { doc, basis } = await documentContentReader(t.db, {
    documentId,
    workspaceId,
    actorId: owner.id,
    format: 'markdown',
  });
  try {
    return { markdown: documentMarkdown(doc), etag: stateEtag(basis), text: documentText(doc) };
  } finally {
    doc.destroy();
  }
}

/** A person's edit, made on the stored state and appended to the log as theirs. */
async function humanEdit(documentId: string, edit: (fragment: Y.XmlFragment) => void) {
  const { doc } = await documentStateLoader(t.db, documentId);
  const updates: Uint8Array[] = [];
  doc.on('update', (u: Uint8Array) => updates.push(u));
  doc.transact(() => edit(doc.getXmlFragment('default')));
  doc.destroy();
  await documentUpdateRecorder(
    t.db,
    updates.map((update) => ({ documentId, update, actorId: human.id, connectionId: null })),
  );
}

function typeInto(fragment: Y.XmlFragment, block: number, offset: number, text: string) {
  const paragraph = fragment.get(block) as Y.XmlElement;
  let inline = paragraph.get(0) as Y.XmlText | undefined;
  if (!inline) {
    inline = new Y.XmlText();
    paragraph.insert(0, [inline]);
  }
  inline.insert(Math.min(offset, inline.length), text);
}

/**
 * A person types into the paragraph that was block `block` of the property's document
 * (words `p<block>a p<block>b p<block>c`): before one of its words, or at its end, so
 * no word and no earlier token is split.
 */
function typeBeforeWord(fragment: Y.XmlFragment, block: number, choice: number, token: string) {
  const index = fragment
    .toArray()
    .findIndex((child) => (child as Y.XmlElement).get(0)?.toString().includes(`p${block}a`));
  const text = (fragment.get(index) as Y.XmlElement).get(0)?.toString() ?? '';
  const word = choice % 4 === 3 ? -1 : text.indexOf(`p${block}${'abc'[choice % 4]}`);
  typeInto(fragment, index, word < 0 ? text.length : word, token);
}

function addParagraph(fragment: Y.XmlFragment, after: number, text: string) {
  const paragraph = new Y.XmlElement('paragraph');
  paragraph.insert(0, [new Y.XmlText(text)]);
  fragment.insert(Math.min(after + 1, fragment.length), [paragraph]);
}

const stored = async (documentId: string) => {
  const { doc } = await documentStateLoader(t.db, documentId);
  try {
    return documentText(doc);
  } finally {
    doc.destroy();
  }
};

describe('documentContentMerger', () => {
  it('merges a stale agent write with what a person typed since the read', async () => {
    const doc = await documentWith('Alpha one\n\nBravo two\n\nCharlie three');
    const { markdown, etag } = await read(doc.id, doc.workspace_id);
    await humanEdit(doc.id, (fragment) => {
      typeInto(fragment, 0, 5, ' typed');
      addParagraph(fragment, 0, 'A new paragraph');
    });
    const body = markdown.replace('Bravo two', 'Bravo **2**').replace('\n\nCharlie three', '');
    const result = await documentContentMerger(t.db, {
      documentId: doc.id,
      actorId: owner.id,
      replacement: { markdown: `${body}\n\nDelta four` },
      ifMatch: etag,
    });
    expect(result.changed).toBe(true);
    expect(await stored(doc.id)).toBe('Alpha typed one\nA new paragraph\nBravo 2\nDelta four');
    // Without If-Match the same body replaces the content, as before.
    await documentContentReplacer(t.db, {
      documentId: doc.id,
      actorId: owner.id,
      replacement: { markdown: 'Only this' },
    });
    expect(await stored(doc.id)).toBe('Only this');
  });

  it('rebuilds the exact state a tag names, before and after compaction, and refuses others with 412', async () => {
    const doc = await documentWith('One\n\nTwo');
    const first = await read(doc.id, doc.workspace_id);
    await humanEdit(doc.id, (fragment) => typeInto(fragment, 1, 3, ' and more'));
    for (const compact of [false, true]) {
      if (compact) await documentCompactor(t.db, doc.id);
      const rebuilt = await documentStateRebuilder(t.db, doc.id, first.etag);
      expect(documentText(rebuilt)).toBe(first.text);
      rebuilt.destroy();
    }
    for (const tag of ['"nope"', 'W/"s.3.1:2:"', '"s.3.99:1:"', '"v.00000000-0000-7000-8000-000000000000"']) {
      await expect(documentStateRebuilder(t.db, doc.id, tag)).rejects.toMatchObject({
        code: 'PRECONDITION_FAILED',
      });
    }
  });

  it('never loses text typed by people since the read, nor the agent change (property)', async () => {
    const paragraph = fc.integer({ min: 0, max: 7 });
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 6 }),
        fc.array(
          fc.record({ kind: fc.constantFrom('type', 'paragraph'), block: paragraph, offset: fc.nat(3) }),
          { minLength: 1, maxLength: 5 },
        ),
        fc.array(
          fc.record({
            kind: fc.constantFrom('append', 'replace', 'delete', 'insert'),
            block: paragraph,
          }),
          { minLength: 1, maxLength: 4 },
        ),
        async (blocks, humanEdits, agentEdits) => {
          const words = (b: number) => `p${b}a p${b}b p${b}c`;
          const doc = await documentWith(Array.from({ length: blocks }, (_, b) => words(b)).join('\n\n'));
          const base = await read(doc.id, doc.workspace_id);
          // People type after the read: into existing paragraphs, or new ones.
          const typed: { token: string; block: number | undefined }[] = [];
          for (const [n, edit] of humanEdits.entries()) {
            const token = `H${n}X`;
            const block = edit.block % blocks;
            await humanEdit(doc.id, (fragment) =>
              edit.kind === 'type'
                ? typeBeforeWord(fragment, block, edit.offset, token)
                : addParagraph(fragment, block, token),
            );
            typed.push({ token, block: edit.kind === 'type' ? block : undefined });
          }
          // The agent edits the Markdown it read, block by block.
          const paragraphs = base.markdown.split('\n\n').map((text, block) => ({ text, block }));
          const deleted = new Set<number>();
          for (const [n, edit] of agentEdits.entries()) {
            const at = edit.block % Math.max(1, paragraphs.length);
            const target = paragraphs[at];
            if (edit.kind === 'insert' || !target) paragraphs.splice(at, 0, { text: `A${n}N`, block: -1 });
            else if (edit.kind === 'append') target.text += ` A${n}Z`;
            else if (edit.kind === 'replace') target.text = target.text.replace(/^\S+/, `A${n}R`);
            else {
              paragraphs.splice(at, 1);
              if (target.block >= 0) deleted.add(target.block);
            }
          }
          const body = paragraphs.map((p) => p.text).join('\n\n');
          await documentContentMerger(t.db, {
            documentId: doc.id,
            actorId: owner.id,
            replacement: { markdown: body },
            ifMatch: base.etag,
          });
          const text = await stored(doc.id);
          // Every token typed outside a paragraph the agent removed is still there…
          for (const { token, block } of typed) {
            if (block === undefined || !deleted.has(block)) expect(text).toContain(token);
          }
          // …and without them the document is exactly what the agent wrote.
          const lines = (s: string) => s.split('\n').filter((line) => line !== '');
          const withoutPeople = typed.reduce((s, { token }) => s.replaceAll(token, ''), text);
          expect(lines(withoutPeople)).toEqual(lines(paragraphs.map((p) => p.text).join('\n')));
        },
      ),
      { numRuns: 20 },
    );
  });
});
