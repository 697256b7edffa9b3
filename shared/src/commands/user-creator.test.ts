import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countUsers, findUserByEmail } from '../db/repositories/users.js';
import { findPersonalWorkspace } from '../db/repositories/workspaces.js';
import { auditActions } from '../testing/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../testing/index.js';
import { userCreator } from './user-creator.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.drop());

describe('userCreator', () => {
  it('creates the user with a personal workspace they administer, audited', async () => {
    const user = await userCreator(t.db, { email: 'grace@example.test', name: 'Grace', actorId: null });
    expect(user).toMatchObject({ email: 'grace@example.test', name: 'Grace', role: 'member' });
    const workspace = await findPersonalWorkspace(t.db, user.id);
    // Named without personal data: workspace names are not sealed, the user's name is.
    expect(workspace?.name).toBe('Personal');
    const membership = await t.db
      .selectFrom('workspace_members')
      .select('role')
      .where('user_id', '=', user.id)
      .execute();
    expect(membership).toEqual([{ role: 'admin' }]);
    expect(await auditActions(t.db, { workspaceId: workspace?.id as string })).toEqual(['user.create']);
  });

  it('refuses a second user with the same email in any case, naming the field', async () => {
    await userCreator(t.db, { email: 'linus@example.test', actorId: null });
    await expect(userCreator(t.db, { email: 'LINUS@example.test', actorId: null })).rejects.toMatchObject({
      code: 'CONFLICT',
      field: 'email',
    });
    // Emails are sealed; lookups go through their keyed hash, case-insensitively.
    expect(await findUserByEmail(t.db, 'Linus@Example.test')).toMatchObject({ email: 'linus@example.test' });
    expect(await countUsers(t.db)).toBe(2);
  });
});
