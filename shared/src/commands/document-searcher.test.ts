import { afterAll, beforeAll, expect, it } from 'vitest';
import { setDocumentPermission } from '../db/repositories/document-permissions.js';
import { insertDocument } from '../db/repositories/documents.js';
import type { Handle } from '../db/repositories/handle.js';
import { searchDocuments, upsertSearchText } from '../db/repositories/search.js';
import { insertUser } from '../db/repositories/users.js';
import { insertWorkspace } from '../db/repositories/workspaces.js';
import { newId } from '../ids.js';
import { createTestDatabase, type TestDatabase } from '../testing/index.js';
import { documentSearcher } from './document-searcher.js';

// Two real databases: the primary, and a "replica" holding what the primary held before
// a revocation and a deletion reached it (a replica lagging behind them).
let primary: TestDatabase;
let replica: TestDatabase;
beforeAll(async () => {
  [primary, replica] = await Promise.all([createTestDatabase(), createTestDatabase()]);
});
afterAll(async () => Promise.all([primary?.drop(), replica?.drop()]));

const ids = {
  owner: newId(),
  reader: newId(),
  workspace: newId(),
  kept: newId(),
  revoked: newId(),
  gone: newId(),
};

async function seed(db: Handle) {
  await insertUser(db, { id: ids.owner, email: `${ids.owner}@example.test` });
  await insertUser(db, { id: ids.reader, email: `${ids.reader}@example.test` });
  await insertWorkspace(db, { id: ids.workspace, name: 'Team', createdBy: ids.owner });
  for (const id of [ids.kept, ids.revoked, ids.gone]) {
    await insertDocument(db, { id, workspaceId: ids.workspace, title: 'Harbour plan', createdBy: ids.owner });
    await upsertSearchText(db, {
      documentId: id,
      workspaceId: ids.workspace,
      title: 'Harbour plan',
      body: 'cranes',
    });
    await setDocumentPermission(db, id, ids.reader, 'viewer', ids.owner);
  }
}

it('re-checks a replica’s hits on the primary: nothing revoked or deleted there is returned', async () => {
  await seed(primary.db);
  await seed(replica.db);
  await primary.db
    .deleteFrom('document_permissions')
    .where('document_id', '=', ids.revoked)
    .where('user_id', '=', ids.reader)
    .execute();
  await primary.db.deleteFrom('documents').where('id', '=', ids.gone).execute();

  const query = { text: 'harbour', userId: ids.reader, instanceAdmin: false, limit: 10 };
  const onReplica = await searchDocuments(replica.db, query);
  // The replica alone still answers with all three: the check below can fail.
  expect(onReplica.map((h) => h.documentId).sort()).toEqual([ids.kept, ids.revoked, ids.gone].sort());
  const checked = await documentSearcher({ primary: primary.db, replica: replica.db }, query);
  expect(checked.map((h) => h.documentId)).toEqual([ids.kept]);
  // An instance admin reads everything, but not what the primary no longer has.
  const asAdmin = await documentSearcher(
    { primary: primary.db, replica: replica.db },
    { ...query, userId: ids.owner, instanceAdmin: true },
  );
  expect(asAdmin.map((h) => h.documentId).sort()).toEqual([ids.kept, ids.revoked].sort());
  // Without a replica, the one query decides.
  expect((await documentSearcher({ primary: primary.db, replica: primary.db }, query)).length).toBe(1);
});
