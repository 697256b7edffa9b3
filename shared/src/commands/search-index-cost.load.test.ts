import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { upsertSearchText } from '../db/repositories/search.js';
import { documentText } from '../documents/content.js';
import { buildDocument, buildUser, createTestDatabase, type TestDatabase } from '../testing/index.js';
import { documentCompactor } from './document-compactor.js';
import { documentStateLoader } from './document-state-loader.js';
import { documentUpdateRecorder } from './document-update-recorder.js';

/**
 * An opt-in measurement (FOLIO_LOAD=1) behind where search text is computed: from the
 * collaboration node's in-memory document, or from the stored state (snapshot plus the
 * log rows after it) as a worker must. Documents of FOLIO_LOAD_SIZES characters in
 * paragraphs of a ProseMirror fragment, each with FOLIO_LOAD_TAIL one-character edits
 * stored after the compacted snapshot (compaction runs every 5–30 s of editing). Prints
 * the median of each path and of the search upsert both share.
 */
const SIZES = (process.env.FOLIO_LOAD_SIZES ?? '10000,200000,1000000').split(',').map(Number);
const TAIL = Number(process.env.FOLIO_LOAD_TAIL ?? 500);
const RUNS = 15;

let t: TestDatabase;

async function median(runs: number, run: () => unknown): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await run();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] as number;
}

function paragraphs(doc: Y.Doc, characters: number): void {
  const fragment = doc.getXmlFragment('default');
  const line = 'The quick brown fox jumps over the lazy dog while the editor keeps typing. ';
  doc.transact(() => {
    for (let written = 0; written < characters; written += line.length * 4) {
      const p = new Y.XmlElement('paragraph');
      p.insert(0, [new Y.XmlText(line.repeat(4))]);
      fragment.push([p]);
    }
  });
}

describe.skipIf(!process.env.FOLIO_LOAD)('search index text: in memory vs stored state', () => {
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(() => t?.drop());

  it('times both paths per document size', { timeout: 600_000 }, async () => {
    const user = await buildUser(t.db);
    const rows: string[] = [];
    for (const size of SIZES) {
      const document = await buildDocument(t.db, user);
      const live = new Y.Doc();
      const record = (update: Uint8Array) =>
        documentUpdateRecorder(t.db, [
          { documentId: document.id, update, actorId: user.id, connectionId: 'c' },
        ]);
      const base = new Y.Doc();
      paragraphs(base, size);
      await record(Y.encodeStateAsUpdate(base));
      Y.applyUpdate(live, Y.encodeStateAsUpdate(base));
      await documentCompactor(t.db, document.id);
      const tail: Uint8Array[] = [];
      live.on('update', (u: Uint8Array) => tail.push(u));
      const text = (live.getXmlFragment('default').get(0) as Y.XmlElement).get(0) as Y.XmlText;
      for (let i = 0; i < TAIL; i++) text.insert(i, 'x');
      for (const update of tail) await record(update);

      const body = documentText(live);
      const inMemory = await median(RUNS, () => documentText(live));
      const stored = await median(RUNS, async () => {
        const loaded = await documentStateLoader(t.db, document.id);
        try {
          expect(documentText(loaded.doc)).toBe(body);
        } finally {
          loaded.doc.destroy();
        }
      });
      const upsert = await median(RUNS, () =>
        upsertSearchText(t.db, {
          documentId: document.id,
          workspaceId: document.workspace_id,
          title: 't',
          body,
        }),
      );
      rows.push(
        `${String(body.length).padStart(9)} chars, ${TAIL} log rows after the snapshot: in memory ${inMemory.toFixed(2)} ms, stored state ${stored.toFixed(1)} ms (${(stored / inMemory).toFixed(0)}×), upsert ${upsert.toFixed(1)} ms`,
      );
      live.destroy();
      base.destroy();
    }
    console.log(`search index text, median of ${RUNS}:\n${rows.join('\n')}`);
  });
});
