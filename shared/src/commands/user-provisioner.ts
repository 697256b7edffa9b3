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

/**
 * Single sign-on: the user of an OpenID identity, created on first login from its
 * claims (with a personal workspace) and kept up to date on later ones. A user created
 * beforehand (CLI, first admin) is linked by a verified email on their first login.
 * Audits `user.login`.
 */
export async function userProvisioner(
  db: Handle,
  claims: OidcClaims,
): Promise<{ user: User; created: boolean }> {
  const email = claims.email ? emailSchema.safeParse(claims.email).data : undefined;
  const name = nameSchema.safeParse(claims.name ?? '').data ?? '';
  return inTransaction(db, async (trx) => {
    const identity = { issuer: claims.issuer, subject: claims.sub };
    let user = await findUserByOidcIdentity(trx, claims.issuer, claims.sub);
    let created = false;
    if (user) {
      if (user.erased_at) throw new FolioError('UNAUTHENTICATED', 'this account has been erased');
      const changes: { email?: string; name?: string } = {};
      if (name && name !== user.name) changes.name = name;
      if (email && email !== user.email?.toLowerCase()) {
        const holder = await findUserByEmail(trx, email);
        if (!holder) changes.email = email;
      }
      if (Object.keys(changes).length > 0) user = (await updateUserProfile(trx, user.id, changes)) ?? user;
    } else {
      if (!email) throw new FolioError('BAD_REQUEST', 'the identity provider sent no usable email claim');
      const existing = await findUserByEmail(trx, email);
      if (existing) {
        if (existing.oidc_subject || claims.emailVerified === false) {
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
