import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../db/connect.js';
import { countUnsealedRows } from '../db/repositories/sealing-progress.js';
import { findUserById } from '../db/repositories/users.js';
import { findPersonalWorkspace } from '../db/repositories/workspaces.js';
import { documentText } from '../documents/content.js';
import { createLogger } from '../logger.js';
import { buildUser, createTestDatabase, type TestDatabase, testKeyring } from '../testing/index.js';
import { documentCompactor } from './document-compactor.js';
import { documentCreator } from './document-creator.js';
import { documentStateLoader } from './document-state-loader.js';
import { documentVersionCreator } from './document-version-creator.js';
import { documentVersionLoader } from './document-version-reader.js';
import { existingDataSealer } from './existing-data-sealer.js';

// Written with ENCRYPTION=off (as before encryption existed), then sealed in place.
let plain: TestDatabase;
let sealing: Awaited<ReturnType<typeof openDatabase>>;
beforeAll(async () => {
  plain = await createTestDatabase({ keyring: await testKeyring({ encryption: false }) });
  sealing = await openDatabase({
    url: plain.url,
    keyring: await testKeyring(),
    dataDir: '.',
    poolSize: 2,
    log: createLogger({ level: 'silent', name: 'test' }),
  });
});
afterAll(async () => {
  await sealing?.close();
  await plain?.drop();
});

describe('existingDataSealer', () => {
  it('seals rows written before encryption, in resumable passes, and they read the same', async () => {
    const user = await buildUser(plain.db, { email: 'before@example.test', name: 'Written Before' });
    const workspace = await findPersonalWorkspace(plain.db, user.id);
    const doc = await documentCreator(plain.db, {
      workspaceId: workspace?.id as string,
      title: 'Old',
      content: { text: 'written in the clear' },
      actorId: user.id,
    });
    await documentCompactor(plain.db, doc.id);
    const version = await documentVersionCreator(plain.db, { documentId: doc.id, actorId: null, label: 'v' });
    const raw = await plain.db
      .selectFrom('users')
      .select(['email', 'email_sealed'])
      .where('id', '=', user.id)
      .executeTakeFirstOrThrow();
    expect(raw).toEqual({ email: 'before@example.test', email_sealed: null });
    const before = await countUnsealedRows(sealing.db);
    expect(before.users).toBeGreaterThanOrEqual(1);
    expect(before.document_updates).toBeGreaterThanOrEqual(1);
    expect(before.document_states).toBe(1);
    expect(before.document_versions).toBe(1);

    // A pass out of time stops at once and says there is more; the next one continues.
    expect(await existingDataSealer(sealing.db, { budgetMs: -1 })).toMatchObject({ more: true });
    const pass = await existingDataSealer(sealing.db);
    expect(pass.more).toBe(false);
    expect(pass.sealed.document_states).toBe(1);
    expect(pass.sealed.document_versions).toBe(1);
    expect(await countUnsealedRows(sealing.db)).toEqual({
      users: 0,
      document_updates: 0,
      document_states: 0,
      document_versions: 0,
    });
    const again = await existingDataSealer(sealing.db);
    expect(Object.values(again.sealed).every((n) => n === 0)).toBe(true);

    const sealedRow = await sealing.db
      .selectFrom('users')
      .select(['email', 'name', 'email_sealed', 'email_hmac'])
      .where('id', '=', user.id)
      .executeTakeFirstOrThrow();
    expect(sealedRow.email).toBeNull();
    expect(sealedRow.name).toBe('');
    expect(Buffer.from(sealedRow.email_sealed as Uint8Array).includes('before@example.test')).toBe(false);
    expect(sealedRow.email_hmac).not.toBeNull();
    const updates = await sealing.db
      .selectFrom('document_updates')
      .select(['sealed'])
      .where('document_id', '=', doc.id)
      .execute();
    expect(updates.every((u) => u.sealed)).toBe(true);

    // Everything reads as before, through either handle's keyring.
    expect(await findUserById(sealing.db, user.id)).toMatchObject({
      email: 'before@example.test',
      name: 'Written Before',
    });
    const state = await documentStateLoader(sealing.db, doc.id);
    expect(documentText(state.doc)).toContain('written in the clear');
    state.doc.destroy();
    const loaded = await documentVersionLoader(sealing.db, { documentId: doc.id, versionId: version.id });
    expect(documentText(loaded.doc)).toContain('written in the clear');
    loaded.doc.destroy();
  });
});
