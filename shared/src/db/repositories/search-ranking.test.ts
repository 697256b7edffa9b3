import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { newId } from '../../ids.js';
import { buildUser, buildWorkspace, createTestDatabase, type TestDatabase } from '../../testing/index.js';
import { setDocumentPermission } from './document-permissions.js';
import { insertDocument } from './documents.js';
import {
  HEADLINE_SOURCE_CHARS,
  SEARCH_CANDIDATES,
  searchDocuments,
  TITLE_CANDIDATES,
  upsertSearchText,
} from './search.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.drop());

/** `count` documents mentioning `word` in their body only, written in one statement. */
async function bodyMatches(workspaceId: string, createdBy: string, count: number, word: string) {
  const prefix = newId();
  await sql`
    insert into documents (id, workspace_id, title, created_by)
    select ${prefix} || '-' || g, ${workspaceId}, 'Minutes ' || g, ${createdBy}
      from generate_series(1, ${count}::int) g`.execute(t.db);
  await sql`
    insert into document_search (document_id, workspace_id, title, body)
    select id, workspace_id, title, 'we talked about the ' || ${word} || ' again'
      from documents where id like ${`${prefix}-%`}`.execute(t.db);
}

it('ranks a title match first however many documents mention the word in their body', async () => {
  const admin = await buildUser(t.db);
  const reader = await buildUser(t.db);
  const workspace = await buildWorkspace(t.db, admin, [reader]);
  // More body matches than the bounded candidate set holds, all written before the title
  // match: a scan in table order stops before reaching it.
  await bodyMatches(workspace.id, admin.id, SEARCH_CANDIDATES + TITLE_CANDIDATES + 50, 'lighthouse');
  const titled = newId();
  await insertDocument(t.db, {
    id: titled,
    workspaceId: workspace.id,
    title: 'Lighthouse',
    createdBy: admin.id,
  });
  await upsertSearchText(t.db, {
    documentId: titled,
    workspaceId: workspace.id,
    title: 'Lighthouse',
    body: 'keeper',
  });

  const asAdmin = await searchDocuments(t.db, {
    text: 'lighthouse',
    userId: admin.id,
    instanceAdmin: false,
    limit: 5,
  });
  expect(asAdmin[0]?.documentId).toBe(titled);
  expect(asAdmin).toHaveLength(5);
  // The page holds each document once, though a title match is found by both paths.
  expect(new Set(asAdmin.map((h) => h.documentId)).size).toBe(5);
  const asInstanceAdmin = await searchDocuments(t.db, {
    text: 'lighthouse',
    userId: reader.id,
    instanceAdmin: true,
    workspaceId: workspace.id,
    limit: 5,
  });
  expect(asInstanceAdmin[0]?.documentId).toBe(titled);

  // Through explicit roles too: the reader holds a role on the title match and on body matches.
  const some = await t.db
    .selectFrom('documents')
    .select('id')
    .where('workspace_id', '=', workspace.id)
    .where('id', '<>', titled)
    .limit(SEARCH_CANDIDATES + 20)
    .execute();
  for (const { id } of [...some, { id: titled }])
    await setDocumentPermission(t.db, id, reader.id, 'viewer', admin.id);
  const asReader = await searchDocuments(t.db, {
    text: 'lighthouse',
    userId: reader.id,
    instanceAdmin: false,
    limit: 3,
  });
  expect(asReader[0]?.documentId).toBe(titled);
});

it('cuts snippets from the start of a long body, and still finds a match beyond it', async () => {
  const owner = await buildUser(t.db);
  const workspace = await buildWorkspace(t.db, owner);
  const id = newId();
  await insertDocument(t.db, { id, workspaceId: workspace.id, title: 'Log', createdBy: owner.id });
  await setDocumentPermission(t.db, id, owner.id, 'owner', owner.id);
  const body = `Opening words. ${'filler text here. '.repeat(HEADLINE_SOURCE_CHARS / 10)}the albatross appears at last`;
  await upsertSearchText(t.db, { documentId: id, workspaceId: workspace.id, title: 'Log', body });
  const [hit] = await searchDocuments(t.db, {
    text: 'albatross',
    userId: owner.id,
    instanceAdmin: false,
    limit: 5,
  });
  expect(hit?.documentId).toBe(id);
  expect(hit?.snippet.startsWith('Opening words')).toBe(true);
  expect(hit?.snippet).not.toContain('albatross');
});
