import { type KeyObject, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDocument, buildUser, createTestDatabase, type TestDatabase } from '../testing/index.js';
import { assertKeyFileMatches, openKeyring } from './index.js';
import { loadKeyFile } from './key-file.js';
import { findWrappedKey } from './key-store.js';
import { keyringOf } from './keyring.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.drop();
});

describe('key file', () => {
  it('is created once with mode 0600 and read back the same', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'folio-keyfile-'));
    const path = join(dir, 'keys', 'folio.key');
    const first = await loadKeyFile(path, { create: true });
    const again = await loadKeyFile(path, { create: true });
    expect(again.kek.equals(first.kek)).toBe(true);
    expect(first.emailLookupKey.equals(first.kek)).toBe(false);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'keys'))).mode & 0o777).toBe(0o700);
    await expect(loadKeyFile(join(dir, 'missing.key'), { create: false })).rejects.toThrow(/does not exist/);
  });
});

describe('keyring', () => {
  it("creates a document key in the caller's transaction, wrapped, and finds it again", async () => {
    const keyring = keyringOf(database.db);
    if (!keyring) throw new Error('the test database carries no keyring');
    const owner = await buildUser(database.db);
    const doc = await buildDocument(database.db, owner);
    // insertDocument made one already: start from none.
    await keyring.shred(database.db, 'document', [doc.id]);
    const key = await database.db.transaction().execute((trx) => keyring.obtain(trx, 'document', doc.id));
    const stored = await findWrappedKey(database.db, 'document', doc.id);
    expect(stored?.kek_id).toBe(keyring.kekId);
    expect(Buffer.from(stored?.wrapped ?? []).includes(key.export())).toBe(false);
    expect((await keyring.find(database.db, 'document', doc.id))?.equals(key)).toBe(true);
  });

  it('does not keep a key whose transaction rolled back', async () => {
    const keyring = keyringOf(database.db);
    if (!keyring) throw new Error('no keyring');
    const owner = await buildUser(database.db);
    const doc = await buildDocument(database.db, owner);
    await keyring.shred(database.db, 'document', [doc.id]);
    let rolledBack: KeyObject | undefined;
    await expect(
      database.db.transaction().execute(async (trx) => {
        rolledBack = await keyring.obtain(trx, 'document', doc.id);
        // Found again inside the same transaction: from the table, still not cached.
        expect((await keyring.find(trx, 'document', doc.id))?.equals(rolledBack)).toBe(true);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await keyring.find(database.db, 'document', doc.id)).toBeUndefined();
    const fresh = await keyring.obtain(database.db, 'document', doc.id);
    expect(fresh.equals(rolledBack as KeyObject)).toBe(false);
  });

  it('shreds a document key with the document (trigger) and records it in the ledger', async () => {
    const keyring = keyringOf(database.db);
    if (!keyring) throw new Error('no keyring');
    const owner = await buildUser(database.db);
    const doc = await buildDocument(database.db, owner);
    await keyring.obtain(database.db, 'document', doc.id);
    await database.db.deleteFrom('documents').where('id', '=', doc.id).execute();
    expect(await findWrappedKey(database.db, 'document', doc.id)).toBeUndefined();
    keyring.forget('document', [doc.id]);
    expect(await keyring.find(database.db, 'document', doc.id)).toBeUndefined();
    const { rows } = await database.db
      .selectFrom('folio_keys.erasure_ledger' as never)
      .selectAll()
      .where('subject' as never, '=', doc.id as never)
      .execute()
      .then((r) => ({ rows: r as unknown as { kind: string }[] }));
    expect(rows.map((r) => r.kind)).toEqual(['document']);
  });

  it('refuses a key file other than the one the key store was wrapped with', async () => {
    const keyring = keyringOf(database.db);
    if (!keyring) throw new Error('no keyring');
    await assertKeyFileMatches(database.db, keyring);
    const dir = await mkdtemp(join(tmpdir(), 'folio-otherkey-'));
    const other = await openKeyring({ DATA_DIR: dir, ENCRYPTION: true });
    await expect(assertKeyFileMatches(database.db, other)).rejects.toThrow(/point KEY_FILE/);
    expect(JSON.parse(await readFile(join(dir, 'keys', 'folio.key'), 'utf8')).version).toBe(1);
  });

  it('derives its keys from SECRET_KEY with an external database and no KEY_FILE, writing no file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'folio-derived-'));
    const config = { DATA_DIR: dir, DATABASE_URL: 'postgres://db/x', ENCRYPTION: true };
    const a = await openKeyring({ ...config, SECRET_KEY: 'a'.repeat(40) });
    const again = await openKeyring({ ...config, SECRET_KEY: 'a'.repeat(40) });
    const other = await openKeyring({ ...config, SECRET_KEY: 'b'.repeat(40) });
    expect(again.kekId).toBe(a.kekId);
    expect(other.kekId).not.toBe(a.kekId);
    await expect(stat(join(dir, 'keys', 'folio.key'))).rejects.toThrow(/ENOENT/);
    // A process with another SECRET_KEY is refused against this database's key store.
    await expect(assertKeyFileMatches(database.db, other)).rejects.toThrow(/point KEY_FILE/);
  });

  it('hashes emails case-insensitively under the lookup key', () => {
    const keyring = keyringOf(database.db);
    if (!keyring) throw new Error('no keyring');
    expect(keyring.emailHash('Ann@Example.test').equals(keyring.emailHash('ann@example.test'))).toBe(true);
    expect(keyring.emailHash(`${randomBytes(4).toString('hex')}@x.test`).length).toBe(32);
  });
});
