import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countUsers, findUserByEmail } from '../db/repositories/users.js';
import { createTestDatabase, type TestDatabase } from '../testing/index.js';
import { authenticateApiToken } from './api-token-issuer.js';
import { FIRST_ADMIN_EMAIL, firstAdminCreator } from './first-admin-creator.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.drop());

describe('firstAdminCreator', () => {
  it('makes one admin with an all-scope token on an empty database, even when started twice at once', async () => {
    const results = await Promise.all([firstAdminCreator(t.db), firstAdminCreator(t.db)]);
    const created = results.filter((r) => r !== undefined);
    expect(created).toHaveLength(1);
    const first = created[0] as { email: string; token: string };
    expect(first.email).toBe(FIRST_ADMIN_EMAIL);
    expect(await authenticateApiToken(t.db, first.token)).toMatchObject({
      role: 'admin',
      scopes: ['read', 'write', 'admin'],
    });
    // One user, found by email through its keyed hash (the column itself is sealed).
    expect(await countUsers(t.db)).toBe(1);
    expect(await findUserByEmail(t.db, FIRST_ADMIN_EMAIL)).toMatchObject({
      email: FIRST_ADMIN_EMAIL,
      role: 'admin',
    });
    expect(await firstAdminCreator(t.db)).toBeUndefined();
  });
});
