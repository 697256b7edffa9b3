import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildUser } from '../testing/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../testing/index.js';
import { LOGIN_LINK_TTL_MS, loginLinkIssuer, loginLinkRedeemer } from './login-links.js';
import { authenticateSession } from './sessions.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.drop());

describe('one-time sign-in links', () => {
  it('start a session once, store only a hash, and are audited as a login', async () => {
    const user = await buildUser(t.db);
    const { secret, expiresAt } = await loginLinkIssuer(t.db, { userId: user.id });
    expect(expiresAt.getTime() - Date.now()).toBeGreaterThan(LOGIN_LINK_TTL_MS - 5_000);
    const stored = await t.db
      .selectFrom('login_links')
      .select('id_hash')
      .where('user_id', '=', user.id)
      .execute();
    expect(stored).toHaveLength(1);
    expect(Buffer.from(stored[0]?.id_hash ?? []).toString('latin1')).not.toContain(secret);

    const { session } = await loginLinkRedeemer(t.db, { secret, userAgent: 'test' });
    expect(await authenticateSession(t.db, session.secret)).toMatchObject({ userId: user.id });
    const audit = await t.db
      .selectFrom('audit_events')
      .select(['action', 'details'])
      .where('actor_id', '=', user.id)
      .where('action', '=', 'user.login')
      .execute();
    expect(audit).toEqual([{ action: 'user.login', details: { via: 'link' } }]);

    // Spent: a second click, even at once, is refused.
    await expect(loginLinkRedeemer(t.db, { secret })).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('cannot both succeed when clicked twice at the same moment', async () => {
    const user = await buildUser(t.db);
    const { secret } = await loginLinkIssuer(t.db, { userId: user.id });
    const outcomes = await Promise.allSettled([
      loginLinkRedeemer(t.db, { secret }),
      loginLinkRedeemer(t.db, { secret }),
    ]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
  });

  it('refuse an expired link, an unknown one, and an erased user’s', async () => {
    const user = await buildUser(t.db);
    const old = await loginLinkIssuer(t.db, {
      userId: user.id,
      now: new Date(Date.now() - LOGIN_LINK_TTL_MS - 1),
    });
    await expect(loginLinkRedeemer(t.db, { secret: old.secret })).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
    });
    await expect(loginLinkRedeemer(t.db, { secret: 'x'.repeat(43) })).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
    });
    await expect(loginLinkRedeemer(t.db, { secret: 'short' })).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
    });

    const erased = await buildUser(t.db);
    const link = await loginLinkIssuer(t.db, { userId: erased.id });
    await t.db.updateTable('users').set({ erased_at: new Date() }).where('id', '=', erased.id).execute();
    await expect(loginLinkRedeemer(t.db, { secret: link.secret })).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
    });
  });
});
