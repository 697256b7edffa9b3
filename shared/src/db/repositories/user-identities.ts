import type { User } from '../schema.js';
import type { Handle } from './handle.js';
import { findUserById } from './users.js';

/** Binds an existing user to an OpenID identity (first SSO login of a pre-created user). */
export async function linkOidcIdentity(
  db: Handle,
  userId: string,
  identity: { issuer: string; subject: string },
): Promise<User | undefined> {
  await db
    .updateTable('users')
    .set({ oidc_issuer: identity.issuer, oidc_subject: identity.subject, updated_at: new Date() })
    .where('id', '=', userId)
    .execute();
  // Read back through the one place that opens a sealed profile.
  return findUserById(db, userId);
}
