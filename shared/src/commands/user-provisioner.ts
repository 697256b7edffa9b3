import { appendAuditEvent } from '../db/repositories/audit.js';
import { type Handle, inTransaction } from '../db/repositories/handle.js';
import { linkOidcIdentity } from '../db/repositories/user-identities.js';
import { findUserByEmail, findUserByOidcIdentity, updateUserProfile } from '../db/repositories/users.js';
import type { User } from '../db/schema.js';
import { FolioError } from '../errors.js';
import { emailSchema, nameSchema } from '../schemas.js';
import { userCreator } from './user-creator.js';

export interface OidcClaims {
  issuer: string;
  sub: string;
  email?: string | undefined;
  emailVerified?: boolean | undefined;
  name?: string | undefined;
}

/** Accounts an SSO login never takes over by email alone, however verified the claim. */
const NEVER_LINKED_BY_EMAIL = new Set(['admin', 'compliance']);

/**
 * Single sign-on: the user of an OpenID identity, created on first login from its
 * claims (with a personal workspace) and kept up to date on later ones. Audits
 * `user.login`.
 *
 * An email claim is only trusted as proof of an address when the provider says so
 * (`email_verified === true`; absent counts as unverified, since any provider account
 * can claim any address). So a user created beforehand (CLI) is linked on their first
 * login only by a verified email, never if they are an `admin` or `compliance` account
 * (the first admin has the well-known address admin@folio.localhost), and a later login
 * changes the stored email only from a verified claim. Everything refused is a 409:
 * an administrator can link such an account deliberately instead.
 */
export async function userProvisioner(
  db: Handle,
  claims: OidcClaims,
): Promise<{ user: User; created: boolean }> {
  const email = claims.email ? emailSchema.safeParse(claims.email).data : undefined;
  const name = nameSchema.safeParse(claims.name ?? '').data ?? '';
  const verified = claims.emailVerified === true;
  return inTransaction(db, async (trx) => {
    const identity = { issuer: claims.issuer, subject: claims.sub };
    let user = await findUserByOidcIdentity(trx, claims.issuer, claims.sub);
    let created = false;
    if (user) {
      if (user.erased_at) throw new FolioError('UNAUTHENTICATED', 'this account has been erased');
      const changes: { email?: string; name?: string } = {};
      if (name && name !== user.name) changes.name = name;
      if (verified && email && email !== user.email?.toLowerCase()) {
        const holder = await findUserByEmail(trx, email);
        if (!holder) changes.email = email;
      }
      if (Object.keys(changes).length > 0) user = (await updateUserProfile(trx, user.id, changes)) ?? user;
    } else {
      if (!email) throw new FolioError('BAD_REQUEST', 'the identity provider sent no usable email claim');
      const existing = await findUserByEmail(trx, email);
      if (existing) {
        if (
          existing.oidc_subject ||
          existing.erased_at ||
          !verified ||
          NEVER_LINKED_BY_EMAIL.has(existing.role)
        ) {
          throw new FolioError('CONFLICT', 'that email belongs to another account', { field: 'email' });
        }
        user = (await linkOidcIdentity(trx, existing.id, identity)) ?? existing;
        if (name && name !== user.name) user = (await updateUserProfile(trx, user.id, { name })) ?? user;
      } else {
        user = await userCreator(trx, { email, name, role: 'member', oidc: identity, actorId: null });
        created = true;
      }
    }
    await appendAuditEvent(trx, {
      actorId: user.id,
      action: 'user.login',
      details: { via: 'oidc', created },
    });
    return { user, created };
  });
}
