import { chmod, lstat, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateToLatest, migrations } from '@folio/migrations';
import { sql } from 'kysely';
import { afterAll, expect, it } from 'vitest';
import { EMPTY_HORIZON } from '../commands/document-state-loader.js';
import { documentUpdateAuditor } from '../commands/document-update-auditor.js';
import { documentUpdateRecorder } from '../commands/document-update-recorder.js';
import { userCreator } from '../commands/user-creator.js';
import { userEraser } from '../commands/user-eraser.js';
import { newId } from '../ids.js';
import { createLogger } from '../logger.js';
import { openDatabase } from './connect.js';
import { LockedError } from './lock.js';
import { verifyAuditChain } from './repositories/audit.js';
import {
  appendUpdatesOfDocuments,
  findDocumentUpdatesBySeq,
  listDocumentUpdatesFrom,
  listNewUpdateIds,
} from './repositories/document-updates.js';
import { insertDocument } from './repositories/documents.js';
import { listStaleSearchDocuments, searchDocuments, upsertSearchText } from './repositories/search.js';
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
    await appendUpdatesOfDocuments(handle.db, [
      { documentId: doc.id, update: Uint8Array.of(1, 2, 3), actorId: user.id, connectionId: 'c' },
    ]);
    const {
      rows: [row],
    } = await listDocumentUpdatesFrom(handle.db, doc.id, { xid: EMPTY_HORIZON }, 10);
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

    // The group commit's batched path (array parameters, one statement).
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
    ).toEqual([2, 3, undefined, 4]);
    const otherRows = await listDocumentUpdatesFrom(handle.db, other.id, { xid: EMPTY_HORIZON }, 10);
    expect(otherRows.rows.map((r) => Array.from(r.update))).toEqual([[4], [7]]);
    // Horizons, snapshots and the follower's listing work on PGlite too.
    const ids = await listNewUpdateIds(handle.db, [
      { id: other.id, horizon: EMPTY_HORIZON },
      { id: 'gone', horizon: otherRows.horizon },
    ]);
    expect(ids.rows).toEqual([
      { documentId: other.id, seq: 2 },
      { documentId: other.id, seq: 4 },
    ]);
    expect(ids.missing).toEqual(['gone']);
    expect((await findDocumentUpdatesBySeq(handle.db, [4])).map((r) => Array.from(r.update))).toEqual([[7]]);
    // The summariser (advisory lock, pg_snapshot cursor): each row audited once.
    const pass = await documentUpdateAuditor(handle.db, { holder: 'pglite', force: true });
    expect(pass).toMatchObject({ entries: 2, updates: 4 });
    expect(await documentUpdateAuditor(handle.db, { holder: 'pglite' })).toMatchObject({ entries: 0 });

    // Erasure re-keys the user (the audit trigger's one allowed update) and the chain
    // still verifies.
    const { userId: pseudonym } = await userEraser(handle.db, { userId: user.id, actorId: null });
    expect(pseudonym).not.toBe(user.id);
    const audited = await handle.db
      .selectFrom('audit_events')
      .select('actor_id')
      .where('action', '=', 'document.update')
      .execute();
    expect(audited.map((r) => r.actor_id)).toEqual([pseudonym, pseudonym]);
    expect(await verifyAuditChain(handle.db)).toMatchObject({ ok: true });
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
