import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPersonalWorkspace } from '../db/repositories/workspaces.js';
import { buildUser } from '../testing/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../testing/index.js';
import { userProvisioner } from './user-provisioner.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.drop());

const issuer = 'https://idp.example';

describe('userProvisioner', () => {
  it('creates on first login with a personal workspace, updates later, audits every login', async () => {
    const first = await userProvisioner(t.db, { issuer, sub: 's1', email: 'Pat@Example.com', name: 'Pat' });
    expect(first.created).toBe(true);
    expect(first.user).toMatchObject({ email: 'pat@example.com', name: 'Pat', oidc_subject: 's1' });
    expect(await findPersonalWorkspace(t.db, first.user.id)).toBeDefined();
    // An unverified (or unstated) address never replaces the stored one.
    for (const emailVerified of [false, undefined]) {
      const unverified = await userProvisioner(t.db, {
        issuer,
        sub: 's1',
        email: 'pat@evil.example',
        emailVerified,
      });
      expect(unverified.user.email).toBe('pat@example.com');
    }
    const again = await userProvisioner(t.db, {
      issuer,
      sub: 's1',
      email: 'pat@new.example',
      emailVerified: true,
      name: 'Patricia',
    });
    expect(again).toMatchObject({
      created: false,
      user: { id: first.user.id, name: 'Patricia', email: 'pat@new.example' },
    });
    const logins = await t.db
      .selectFrom('audit_events')
      .select('id')
      .where('actor_id', '=', first.user.id)
      .where('action', '=', 'user.login')
      .execute();
    expect(logins).toHaveLength(4);
  });

  it('links a user created beforehand by verified email, and refuses to take over a linked one', async () => {
    const existing = await buildUser(t.db, { email: 'admin@example.com' });
    const linked = await userProvisioner(t.db, {
      issuer,
      sub: 'a1',
      email: 'admin@example.com',
      emailVerified: true,
    });
    expect(linked).toMatchObject({ created: false, user: { id: existing.id, oidc_subject: 'a1' } });
    await expect(
      userProvisioner(t.db, { issuer, sub: 'other', email: 'admin@example.com' }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    await buildUser(t.db, { email: 'unverified@example.com' });
    await expect(
      userProvisioner(t.db, { issuer, sub: 'u1', email: 'unverified@example.com', emailVerified: false }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('needs an email to create an account', async () => {
    await expect(userProvisioner(t.db, { issuer, sub: 'noemail' })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
  });
});
