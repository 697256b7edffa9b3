import { documentSearchIndexer, documentUpdateAuditor, documentUpdateRecorder } from '@folio/shared/commands';
import { announceChangedDocuments, createJobQueue, type JobQueue } from '@folio/shared/jobs';
import { createLogger } from '@folio/shared/logger';
import { buildDocument, buildUser, createTestDatabase, type TestDatabase } from '@folio/shared/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { documentsChangedHandler } from './document-jobs.js';
import { createWorker, type Worker } from './worker.js';

// The queue side of a summariser pass, on a real worker: nothing else indexes here, as
// when the collaboration node holding the pass was killed before its debounce ended.
let t: TestDatabase;
let jobs: JobQueue;
let worker: Worker;
const log = createLogger({ level: 'silent', name: 'document-jobs-test' });

beforeAll(async () => {
  t = await createTestDatabase();
  jobs = createJobQueue(t, log, { role: 'worker', poolSize: 2 });
  await jobs.start();
  worker = createWorker(
    { db: t.db, jobs, log },
    {
      relayIntervalMs: 60_000,
      versions: { autoEveryMs: 500, keepAllMs: 60_000, keepDailyMs: 0, keepWeeklyMs: 0 },
    },
  );
  await worker.start();
});
afterAll(async () => {
  await worker?.stop();
  await jobs?.stop();
  await t?.drop();
});

/** A stored edit, then the summariser pass that covers it, announcing it on the queue. */
async function editAndPass(text: string, options: { auditInline?: boolean; announce?: boolean } = {}) {
  const user = await buildUser(t.db);
  const document = await buildDocument(t.db, user);
  const doc = new Y.Doc();
  doc.getText('body').insert(0, text);
  await documentUpdateRecorder(
    t.db,
    [{ documentId: document.id, update: Y.encodeStateAsUpdate(doc), actorId: user.id, connectionId: 'c' }],
    { auditInline: options.auditInline === true },
  );
  const pass = await documentUpdateAuditor(t.db, {
    holder: 'test',
    force: true,
    ...(options.announce === false
      ? {}
      : { announce: (trx, ids) => announceChangedDocuments(jobs, trx, ids) }),
  });
  expect(pass).toBeDefined();
  return document;
}

const searchRow = (documentId: string) =>
  t.db
    .selectFrom('document_search')
    .select(['body', 'updated_at'])
    .where('document_id', '=', documentId)
    .executeTakeFirst();
const autoVersions = (documentId: string) =>
  t.db
    .selectFrom('document_versions')
    .select('id')
    .where('document_id', '=', documentId)
    .where('kind', '=', 'auto')
    .execute();

describe('documents-changed and document-maintenance jobs', () => {
  it('index what the collaboration node left behind, then compact and version the document', async () => {
    const document = await editAndPass('catch me up please');
    const passedAt = Date.now();
    // Not before the collaboration node's debounce could have done it.
    expect(await searchRow(document.id)).toBeUndefined();
    await expect
      .poll(async () => (await searchRow(document.id))?.body, { timeout: 20_000, interval: 200 })
      .toBe('catch me up please');
    expect(Date.now() - passedAt).toBeGreaterThanOrEqual(2_500);
    await expect
      .poll(async () => (await autoVersions(document.id)).length, { timeout: 20_000, interval: 200 })
      .toBe(1);
    const state = await t.db
      .selectFrom('document_states')
      .select('document_id')
      .where('document_id', '=', document.id)
      .executeTakeFirst();
    expect(state).toBeDefined();
  });

  it('cover REST writes too, which their writer audited and indexed itself', async () => {
    const document = await editAndPass('written over REST', { auditInline: true });
    await expect
      .poll(async () => (await autoVersions(document.id)).length, { timeout: 20_000, interval: 200 })
      .toBe(1);
  });

  it('catch up, in the minute sweep, a change no pass announced (a forced pass without a queue)', async () => {
    const document = await editAndPass('swept up later', { announce: false });
    // Settled: older than the collaboration node's debounce.
    await sql`update documents set updated_at = now() - interval '5 seconds' where id = ${document.id}`.execute(
      t.db,
    );
    await documentsChangedHandler(
      { db: t.db, jobs, log },
      { versions: worker.config.versions, maintenanceDelayMs: 500 },
      { documentIds: [], sweep: true },
    );
    expect((await searchRow(document.id))?.body).toBe('swept up later');
    await expect
      .poll(async () => (await autoVersions(document.id)).length, { timeout: 20_000, interval: 200 })
      .toBe(1);
  });

  it('leave a search row the collaboration node wrote in time alone', async () => {
    const document = await editAndPass('indexed by its node');
    // The node's debounce: within the settle delay.
    await documentSearchIndexer(t.db, document.id);
    const indexed = await searchRow(document.id);
    // The maintenance job follows the documents-changed one: once it ran, so had that.
    await expect
      .poll(async () => (await autoVersions(document.id)).length, { timeout: 20_000, interval: 200 })
      .toBe(1);
    expect((await searchRow(document.id))?.updated_at).toEqual(indexed?.updated_at);
  });
});
