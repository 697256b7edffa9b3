import { apiTokenIssuer, loginLinkIssuer, userCreator } from '@folio/shared/commands';
import { countUsers, type Db, inTransaction } from '@folio/shared/db';

export const BOOTSTRAP_ADMIN_EMAIL = 'admin@folio.localhost';

/**
 * On an empty database: an admin user and an API token with every scope, so a fresh
 * install can be used at once, and (`signInLink`) a one-time link into the web app.
 * Returns them (shown once), or undefined when the database already has users.
 */
export async function bootstrapFirstAdmin(
  db: Db,
  options: { signInLink?: boolean } = {},
): Promise<{ email: string; token: string; signInLink?: { secret: string; expiresAt: Date } } | undefined> {
  return inTransaction(db, async (trx) => {
    // Serialises concurrent first starts against one Postgres.
    await trx.selectFrom('audit_chain_head').select('last_id').forUpdate().execute();
    if ((await countUsers(trx)) > 0) return undefined;
    const admin = await userCreator(trx, {
      email: BOOTSTRAP_ADMIN_EMAIL,
      name: 'Administrator',
      role: 'admin',
      actorId: null,
    });
    const { token } = await apiTokenIssuer(trx, {
      userId: admin.id,
      scopes: ['read', 'write', 'admin'],
      name: 'first admin token',
      actorId: null,
    });
    if (!options.signInLink) return { email: BOOTSTRAP_ADMIN_EMAIL, token };
    const signInLink = await loginLinkIssuer(trx, { userId: admin.id });
    return { email: BOOTSTRAP_ADMIN_EMAIL, token, signInLink };
  });
}
