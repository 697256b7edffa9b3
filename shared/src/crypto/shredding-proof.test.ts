import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentCompactor } from '../commands/document-compactor.js';
import { documentCreator } from '../commands/document-creator.js';
import { documentDeleter } from '../commands/document-deleter.js';
import { documentStateLoader } from '../commands/document-state-loader.js';
import { documentVersionCreator } from '../commands/document-version-creator.js';
import { documentVersionLoader } from '../commands/document-version-reader.js';
import { erasureLedgerReplayer } from '../commands/erasure-ledger-replayer.js';
import { userEraser } from '../commands/user-eraser.js';
import { type DatabaseHandle, openDatabase } from '../db/connect.js';
import { findUserById } from '../db/repositories/users.js';
import { findPersonalWorkspace } from '../db/repositories/workspaces.js';
import type { User } from '../db/schema.js';
import { documentText } from '../documents/content.js';
import { createLogger } from '../logger.js';
import {
  buildUser,
  createTestDatabase,
  databaseUrl,
  type TestDatabase,
  testKeyring,
  withAdminClient,
} from '../testing/index.js';
import { SealedDataUnreadable } from './envelope.js';

/**
 * The proof of crypto-shredding: a backup taken before an erasure, restored next to the
 * key store as it is after it, yields none of the erased user's or deleted document's
 * canaries, while everyone else's data reads normally; the ledger replay then removes
 * even the copies that cannot be sealed (search rows), and finds nothing to do twice.
 */

const run = promisify(execFile);
const tag = randomBytes(5).toString('hex');
const canary = {
  email: `canary-${tag}@example.test`,
  name: `Canary Person ${tag}`,
  ownText: `canary-own-${tag}`,
  deletedText: `canary-deleted-${tag}`,
};
const canaries = Object.values(canary);

let live: TestDatabase;
let restored: DatabaseHandle | undefined;
const restoredName = `folio_t_${process.pid}_restore_${tag}`;
let dir: string;

beforeAll(async () => {
  live = await createTestDatabase();
  dir = await mkdtemp(join(tmpdir(), 'folio-proof-'));
});
afterAll(async () => {
  await restored?.close();
  await withAdminClient((c) => c.query(`drop database if exists "${restoredName}" with (force)`));
  await live?.drop();
});

async function createWithText(db: DatabaseHandle['db'], owner: User, title: string, text: string) {
  const workspace = await findPersonalWorkspace(db, owner.id);
  if (!workspace) throw new Error('no personal workspace');
  return documentCreator(db, { workspaceId: workspace.id, title, content: { text }, actorId: owner.id });
}

const dump = (url: string, file: string, ...args: string[]) =>
  run('pg_dump', ['--no-owner', '--no-privileges', ...args, '-f', file, url], { maxBuffer: 64 << 20 });

/** The COPY blocks of a plain dump, by table, so a test can say where a string is. */
function tablesContaining(plainDump: string, needle: string): string[] {
  const found = new Set<string>();
  let table = '';
  for (const line of plainDump.split('\n')) {
    const copy = /^COPY ([\w.]+)/.exec(line);
    if (copy) table = copy[1] as string;
    else if (line === '\\.') table = '';
    if (line.includes(needle)) found.add(table || '(schema)');
  }
  return [...found];
}

describe('crypto-shredding reaches backups', () => {
  it('a pre-erasure backup restored beside the current key store reveals no canary', async () => {
    const db = live.db;
    const alice = await buildUser(db, { email: `alice-${tag}@example.test`, name: `Alice ${tag}` });
    const carol = await buildUser(db, { email: canary.email, name: canary.name });
    const aliceDoc = await createWithText(db, alice, 'Alice notes', `alice-text-${tag}`);
    const carolDoc = await createWithText(db, carol, 'Notes', canary.ownText);
    const doomedDoc = await createWithText(db, alice, 'Scratch', canary.deletedText);
    for (const d of [aliceDoc, carolDoc, doomedDoc]) {
      await documentCompactor(db, d.id);
      await documentVersionCreator(db, { documentId: d.id, actorId: null, label: 'v1' });
    }

    // Sealed at rest: a plain dump names the canaries only in the search rows, the one
    // copy Postgres full-text search needs in the clear.
    const plainBefore = join(dir, 'before.sql');
    await dump(live.url, plainBefore, '--exclude-schema=folio_keys');
    const before = await readFile(plainBefore, 'utf8');
    for (const c of canaries) {
      expect(
        tablesContaining(before, c).filter((t) => t !== 'public.document_search'),
        c,
      ).toEqual([]);
    }

    // The backup an operator keeps: data only, without the key store.
    const backup = join(dir, 'data.dump');
    await dump(live.url, backup, '-Fc', '--exclude-schema=folio_keys');

    await userEraser(db, { userId: carol.id, actorId: null });
    await documentDeleter(db, { documentId: doomedDoc.id, actorId: alice.id });

    // The key store as it is now, and the restore of both into a fresh database.
    const keys = join(dir, 'keys.dump');
    await dump(live.url, keys, '-Fc', '--schema=folio_keys');
    await withAdminClient((c) => c.query(`create database "${restoredName}"`));
    const restoredUrl = databaseUrl(restoredName);
    for (const file of [backup, keys]) {
      await run('pg_restore', ['--no-owner', '--exit-on-error', '-d', restoredUrl, file]);
    }
    restored = await openDatabase({
      url: restoredUrl,
      dataDir: '.',
      poolSize: 2,
      keyring: await testKeyring(),
      log: createLogger({ level: 'silent', name: 'proof' }),
    });
    const r = restored.db;

    // Everyone else's data reads normally.
    const aliceAgain = await findUserById(r, alice.id);
    expect(aliceAgain?.email).toBe(`alice-${tag}@example.test`);
    expect(aliceAgain?.name).toBe(`Alice ${tag}`);
    const aliceState = await documentStateLoader(r, aliceDoc.id);
    expect(documentText(aliceState.doc)).toContain(`alice-text-${tag}`);
    aliceState.doc.destroy();

    // The erased user came back with the backup, but their profile does not open.
    await expect(findUserById(r, carol.id)).rejects.toThrow(SealedDataUnreadable);
    // Nor does any content of the erased user's document or the deleted one.
    for (const id of [carolDoc.id, doomedDoc.id]) {
      await expect(documentStateLoader(r, id)).rejects.toThrow(SealedDataUnreadable);
      const [version] = await r
        .selectFrom('document_versions')
        .select('id')
        .where('document_id', '=', id)
        .execute();
      await expect(
        documentVersionLoader(r, { documentId: id, versionId: version?.id as string }),
      ).rejects.toThrow(SealedDataUnreadable);
    }

    // The ledger replay erases and deletes them again; afterwards no canary is anywhere.
    const first = await erasureLedgerReplayer(r);
    expect(first).toMatchObject({ usersErased: 1, usersFailed: 0 });
    expect(first.documentsDeleted).toBe(2);
    const plainAfter = join(dir, 'after.sql');
    await dump(restoredUrl, plainAfter);
    const after = await readFile(plainAfter, 'utf8');
    for (const c of canaries) expect(tablesContaining(after, c), c).toEqual([]);
    expect(after).toContain(aliceDoc.id);

    // Idempotent: nothing left to do.
    const second = await erasureLedgerReplayer(r);
    expect(second).toMatchObject({
      usersErased: 0,
      documentsDeleted: 0,
      keysShredded: 0,
      entriesRepaired: 0,
    });
  });
});
