import type { User } from '../schema.js';
import type { Handle } from './handle.js';

/** Binds an existing user to an OpenID identity (first SSO login of a pre-created user). */
export function linkOidcIdentity(
  db: Handle,
  userId: string,
  identity: { issuer: string; subject: string },
): Promise<User | undefined> {
  return db
    .updateTable('users')
    .set({ oidc_issuer: identity.issuer, oidc_subject: identity.subject, updated_at: new Date() })
    .where('id', '=', userId)
    .returningAll()
    .executeTakeFirst();
}
