import { lockAuditChainHead } from '../db/repositories/audit.js';
import { type Handle, inTransaction } from '../db/repositories/handle.js';
import { countUsers } from '../db/repositories/users.js';
import { apiTokenIssuer } from './api-token-issuer.js';
import { loginLinkIssuer } from './login-links.js';
import { userCreator } from './user-creator.js';

/** The email of the admin a fresh install starts with. */
export const FIRST_ADMIN_EMAIL = 'admin@folio.localhost';

/**
 * On an empty database: an admin user and an API token with every scope, so a fresh
 * install can be used at once, and (`signInLink`) a one-time link into the web app.
 * Returns them (shown once), or undefined when the database already has users.
 * Concurrent first starts against one Postgres create one
 * admin: the audit chain head, which every creation appends to, is locked first.
 */
export async function firstAdminCreator(
  db: Handle,
  options: { signInLink?: boolean } = {},
): Promise<{ email: string; token: string; signInLink?: { secret: string; expiresAt: Date } } | undefined> {
  return inTransaction(db, async (trx) => {
    await lockAuditChainHead(trx);
    if ((await countUsers(trx)) > 0) return undefined;
    const admin = await userCreator(trx, {
      email: FIRST_ADMIN_EMAIL,
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
    if (!options.signInLink) return { email: FIRST_ADMIN_EMAIL, token };
    const signInLink = await loginLinkIssuer(trx, { userId: admin.id });
    return { email: FIRST_ADMIN_EMAIL, token, signInLink };
  });
}
