import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { setDocumentPermission } from '../db/repositories/document-permissions.js';
import { insertDocument } from '../db/repositories/documents.js';
import { searchDocuments, upsertSearchText } from '../db/repositories/search.js';
import { upsertWorkspaceMember } from '../db/repositories/workspace-members.js';
import { settleWorkspaceSearchLanguages } from '../db/repositories/workspace-search.js';
import { findWorkspace } from '../db/repositories/workspaces.js';
import type { User } from '../db/schema.js';
import { newId } from '../ids.js';
import { createJobQueue, type JobQueue } from '../jobs/job-queue.js';
import { QUEUES } from '../jobs/queues.js';
import { createLogger } from '../logger.js';
import { buildUser, createTestDatabase, type TestDatabase } from '../testing/index.js';
import { workspaceCreator } from './workspace-creator.js';
import { workspaceSearchReindexer } from './workspace-search-reindexer.js';
import { workspaceUpdater } from './workspace-updater.js';

// English stems `running` to `run` and drops `the`/`were` as stop words; `simple` keeps
// every word as written. So `run` finds this text only when indexed in English, `were`
// only when indexed with `simple`.
const TEXT = 'The runners were running quickly';

let t: TestDatabase;
let jobs: JobQueue;
let admin: User;
let reader: User;
beforeAll(async () => {
  t = await createTestDatabase();
  jobs = createJobQueue(t, createLogger({ level: 'silent', name: 'test' }), { role: 'client', poolSize: 1 });
  await jobs.start();
  admin = await buildUser(t.db);
  reader = await buildUser(t.db);
});
afterAll(async () => {
  await jobs?.stop();
  await t?.drop();
});

async function document(workspaceId: string, title: string) {
  const id = newId();
  await insertDocument(t.db, { id, workspaceId, title, createdBy: admin.id });
  await setDocumentPermission(t.db, id, admin.id, 'owner', admin.id);
  await upsertSearchText(t.db, { documentId: id, workspaceId, title, body: TEXT });
  return id;
}

const search = async (text: string, userId = admin.id, workspaceId?: string) =>
  (await searchDocuments(t.db, { text, userId, instanceAdmin: false, workspaceId, limit: 50 }))
    .map((h) => h.documentId)
    .sort();

it('searches each workspace with its own configuration, in one query across both', async () => {
  const english = await workspaceCreator(t.db, { name: 'English', actorId: admin.id });
  const mixed = await workspaceCreator(t.db, { name: 'Mixed', actorId: admin.id, searchLanguage: 'simple' });
  expect([english.search_language, mixed.search_language]).toEqual(['english', 'simple']);
  const inEnglish = await document(english.id, 'Report');
  const inSimple = await document(mixed.id, 'Bericht');
  const rows = await t.db
    .selectFrom('document_search')
    .select(['document_id', 'search_language'])
    .where('document_id', 'in', [inEnglish, inSimple])
    .execute();
  expect(Object.fromEntries(rows.map((r) => [r.document_id, r.search_language]))).toEqual({
    [inEnglish]: 'english',
    [inSimple]: 'simple',
  });

  expect(await search('run')).toEqual([inEnglish]);
  expect(await search('were')).toEqual([inSimple]);
  expect(await search('running')).toEqual([inEnglish, inSimple].sort());
  expect(await search('running', admin.id, mixed.id)).toEqual([inSimple]);

  // Still only what the caller may read: a member with a role on one document.
  await upsertWorkspaceMember(t.db, mixed.id, reader.id, 'member');
  const other = await document(mixed.id, 'Zweiter Bericht');
  await setDocumentPermission(t.db, other, reader.id, 'viewer', admin.id);
  expect(await search('running', reader.id)).toEqual([other]);
  expect(await search('run', reader.id)).toEqual([]);
});

it('changes a language: search stays right while the reindex job waits, then uses the new one', async () => {
  const workspace = await workspaceCreator(t.db, { name: 'Team', actorId: admin.id });
  const before = [];
  for (let i = 0; i < 5; i++) before.push(await document(workspace.id, `Old ${i}`));

  const changed = await workspaceUpdater(
    t.db,
    { workspaceId: workspace.id, actorId: admin.id, searchLanguage: 'simple' },
    jobs,
  );
  expect(changed.search_language).toBe('simple');
  expect([...changed.search_languages].sort()).toEqual(['english', 'simple']);
  // The job was sent in the change's transaction.
  const queued = await sql<{ data: { workspaceId: string } }>`
    select data from pgboss.job where name = ${QUEUES.searchReindex}`.execute(t.db);
  expect(queued.rows.map((r) => r.data.workspaceId)).toContain(workspace.id);

  // Not reindexed yet: old rows still answer in English, a new row is built with `simple`.
  const after = await document(workspace.id, 'New');
  expect(await search('run', admin.id, workspace.id)).toEqual([...before].sort());
  expect(await search('were', admin.id, workspace.id)).toEqual([after]);

  const outcome = await workspaceSearchReindexer(t.db, workspace.id, { batch: 2 });
  expect(outcome).toEqual({ changed: 5, passes: 1 });
  expect((await findWorkspace(t.db, workspace.id))?.search_languages).toEqual(['simple']);
  expect(await search('run', admin.id, workspace.id)).toEqual([]);
  expect(await search('were', admin.id, workspace.id)).toEqual([...before, after].sort());
  // Nothing left to do: a second run changes nothing.
  expect(await workspaceSearchReindexer(t.db, workspace.id)).toEqual({ changed: 0, passes: 1 });
});

it('keeps every language listed while a row is behind, and the next run catches it up', async () => {
  const workspace = await workspaceCreator(t.db, { name: 'Late writer', actorId: admin.id });
  const id = await document(workspace.id, 'Late');
  await workspaceUpdater(
    t.db,
    { workspaceId: workspace.id, actorId: admin.id, searchLanguage: 'german' },
    jobs,
  );
  // A row written with the old configuration by a writer that read it before the change.
  expect(await t.db.transaction().execute((trx) => settleWorkspaceSearchLanguages(trx, workspace.id))).toBe(
    false,
  );
  expect([...((await findWorkspace(t.db, workspace.id))?.search_languages ?? [])].sort()).toEqual([
    'english',
    'german',
  ]);
  expect(await search('run', admin.id, workspace.id)).toEqual([id]);
  expect(await workspaceSearchReindexer(t.db, workspace.id)).toEqual({ changed: 1, passes: 1 });
  expect((await findWorkspace(t.db, workspace.id))?.search_languages).toEqual(['german']);
  // German does not stem `running`, but finds the word itself.
  expect(await search('running', admin.id, workspace.id)).toEqual([id]);
});
