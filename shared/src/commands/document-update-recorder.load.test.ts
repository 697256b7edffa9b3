import { afterAll, beforeAll, describe, it } from 'vitest';
import { buildDocument, buildUser, createTestDatabase, type TestDatabase } from '../testing/index.js';
import { documentUpdateRecorder } from './document-update-recorder.js';

/**
 * An opt-in measurement (FOLIO_LOAD=1): the cost of one group commit of
 * FOLIO_LOAD_BATCH updates spread over FOLIO_LOAD_DOCS documents, as the collaboration
 * server's committer issues them, with an idle event loop. Prints the mean and p50 per
 * commit. Skipped in `pnpm test`: its numbers depend on the machine.
 */
const DOCS = Number(process.env.FOLIO_LOAD_DOCS ?? 100);
const BATCH = Number(process.env.FOLIO_LOAD_BATCH ?? 250);
const COMMITS = Number(process.env.FOLIO_LOAD_COMMITS ?? 40);

let db: TestDatabase;

describe.skipIf(!process.env.FOLIO_LOAD)('group commit cost', () => {
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db?.drop());

  it(`${BATCH} updates over ${DOCS} documents per commit`, { timeout: 120_000 }, async () => {
    const user = await buildUser(db.db);
    const documents: Awaited<ReturnType<typeof buildDocument>>[] = [];
    for (let d = 0; d < DOCS; d++) documents.push(await buildDocument(db.db, user));
    const batch = () =>
      Array.from({ length: BATCH }, (_, i) => ({
        documentId: documents[i % DOCS]?.id ?? '',
        update: new Uint8Array(40).fill(i % 256),
        actorId: user.id,
        connectionId: `c${i}`,
      }));
    await documentUpdateRecorder(db.db, batch());
    const times: number[] = [];
    for (let c = 0; c < COMMITS; c++) {
      const started = performance.now();
      await documentUpdateRecorder(db.db, batch());
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    const mean = times.reduce((s, t) => s + t, 0) / times.length;
    console.log(
      `group commit: ${BATCH} updates over ${DOCS} documents: mean ${mean.toFixed(1)} ms, ` +
        `p50 ${times[Math.floor(times.length / 2)]?.toFixed(1)} ms (${COMMITS} commits)`,
    );
  });
});
