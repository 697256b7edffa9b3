import { chmod, lstat, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateToLatest, migrations } from '@folio/migrations';
import { sql } from 'kysely';
import { afterAll, expect, it } from 'vitest';
import { documentUpdateRecorder } from '../commands/document-update-recorder.js';
import { userCreator } from '../commands/user-creator.js';
import { newId } from '../ids.js';
import { createLogger } from '../logger.js';
import { openDatabase } from './connect.js';
import { LockedError } from './lock.js';
import {
  appendDocumentUpdates,
  insertDocument,
  listDocumentUpdatesAfter,
  upsertSearchText,
} from './repositories/documents.js';
import { listStaleSearchDocuments, searchDocuments } from './repositories/search.js';
import { findPersonalWorkspace } from './repositories/workspaces.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

it('runs the same migrations, repositories and full-text search on embedded PGlite', {
  timeout: 60_000,
}, async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'folio-pglite-'));
  dirs.push(dataDir);
  const log = createLogger({ level: 'silent', name: 'test' });
  const handle = await openDatabase({ dataDir, log });
  try {
    expect(handle.kind).toBe('pglite');
    expect((await migrateToLatest(handle.db)).applied).toEqual(Object.keys(migrations));
    expect((await migrateToLatest(handle.db)).applied).toHaveLength(0);

    // A second opener of the same directory is refused instead of corrupting it.
    await expect(openDatabase({ dataDir, log })).rejects.toBeInstanceOf(LockedError);

    const user = await userCreator(handle.db, { email: 'embedded@example.com', actorId: null });
    const ws = await findPersonalWorkspace(handle.db, user.id);
    const doc = await insertDocument(handle.db, {
      id: newId(),
      workspaceId: ws?.id ?? '',
      title: 'Notes',
      createdBy: user.id,
    });
    await appendDocumentUpdates(handle.db, doc.id, [
      { update: Uint8Array.of(1, 2, 3), actorId: user.id, connectionId: 'c' },
    ]);
    const [row] = await listDocumentUpdatesAfter(handle.db, doc.id, 0);
    expect(row?.seq).toBe(1);
    expect(Array.from(row?.update ?? [])).toEqual([1, 2, 3]);
    await upsertSearchText(handle.db, {
      documentId: doc.id,
      workspaceId: doc.workspace_id,
      title: 'Notes',
      body: 'the quick brown foxes',
    });
    const hits = await handle.db
      .selectFrom('document_search')
      .select('document_id')
      .where(sql<boolean>`tsv @@ websearch_to_tsquery('english', ${'"brown fox" -cat'})`)
      .execute();
    expect(hits.map((h) => h.document_id)).toEqual([doc.id]);
    const found = await searchDocuments(handle.db, {
      text: '"brown fox" -cat',
      userId: user.id,
      instanceAdmin: false,
      limit: 5,
    });
    // The creator holds no explicit role here (inserted directly), but administers the workspace.
    expect(found.map((h) => [h.documentId, h.snippet])).toEqual([
      [doc.id, 'quick \u0002brown\u0003 \u0002foxes\u0003'],
    ]);
    // Indexed after its last change: nothing for the sweeper.
    expect(await listStaleSearchDocuments(handle.db, { settledMs: 0, lookbackMs: 60_000, limit: 5 })).toEqual(
      [],
    );

    // The group commit's batched path (array parameters, materialised locking CTE).
    const other = await insertDocument(handle.db, {
      id: newId(),
      workspaceId: ws?.id ?? '',
      title: 'Other',
      createdBy: user.id,
    });
    expect(
      await documentUpdateRecorder(handle.db, [
        { documentId: other.id, update: Uint8Array.of(4), actorId: user.id, connectionId: 'c' },
        { documentId: doc.id, update: Uint8Array.of(5), actorId: user.id, connectionId: 'c' },
        { documentId: 'gone', update: Uint8Array.of(6), actorId: null, connectionId: null },
        { documentId: other.id, update: Uint8Array.of(7), actorId: user.id, connectionId: 'c' },
      ]),
    ).toEqual([1, 2, undefined, 2]);
    expect((await listDocumentUpdatesAfter(handle.db, other.id, 0)).map((r) => Array.from(r.update))).toEqual(
      [[4], [7]],
    );
  } finally {
    await handle.close();
  }
});

/** Every path under `dir` whose mode lets group or others in. */
async function exposedPaths(dir: string): Promise<string[]> {
  const exposed: string[] = [];
  for (const entry of await readdir(dir, { recursive: true })) {
    const path = join(dir, entry);
    const stat = await lstat(path);
    if (!stat.isSymbolicLink() && (stat.mode & 0o077) !== 0) exposed.push(entry);
  }
  return exposed;
}

it('keeps the embedded data directory private: 0700, no file readable by others, old ones tightened', {
  timeout: 60_000,
}, async () => {
  const root = await mkdtemp(join(tmpdir(), 'folio-private-'));
  dirs.push(root);
  const log = createLogger({ level: 'silent', name: 'test' });
  const fresh = join(root, 'fresh');
  const handle = await openDatabase({ dataDir: fresh, log });
  try {
    await migrateToLatest(handle.db);
    await userCreator(handle.db, { email: 'private@example.com', actorId: null });
  } finally {
    await handle.close();
  }
  expect((await lstat(fresh)).mode & 0o777).toBe(0o700);
  expect((await readdir(join(fresh, 'pg'), { recursive: true })).length).toBeGreaterThan(100);
  expect(await exposedPaths(fresh)).toEqual([]);

  // A directory an earlier version left world-readable is tightened when opened.
  const old = join(root, 'old');
  await mkdir(join(old, 'pg'), { recursive: true });
  await chmod(old, 0o755);
  await writeFile(join(old, 'leftover'), 'dead rows', { mode: 0o644 });
  await chmod(join(old, 'leftover'), 0o644);
  const reopened = await openDatabase({ dataDir: old, log });
  await reopened.close();
  expect((await lstat(old)).mode & 0o777).toBe(0o700);
  expect((await lstat(join(old, 'leftover'))).mode & 0o777).toBe(0o600);
  expect(await exposedPaths(old)).toEqual([]);
});
