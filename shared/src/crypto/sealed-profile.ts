import type { Handle } from '../db/repositories/handle.js';
import { SealedDataUnreadable } from './envelope.js';
import { keyringOf } from './keyring.js';

/**
 * A user's personal columns (email, name) sealed with the user's data key and bound to
 * the user's id; the email's keyed hash (`email_hmac`) is what lookups and uniqueness
 * use. When a user is erased their key is shredded and the columns cleared, so a backup
 * taken before holds only ciphertext nobody can open once the key-store backups of that
 * time have expired.
 */

export interface ProfileColumns {
  email: string | null;
  name: string;
  email_hmac: Buffer | null;
  email_sealed: Buffer | null;
  name_sealed: Buffer | null;
}

/** What to write for a user's email and name (plaintext columns only when sealing is off). */
export async function sealProfile(
  handle: Handle,
  userId: string,
  profile: { email?: string | null | undefined; name?: string | undefined },
): Promise<Partial<ProfileColumns>> {
  const keyring = keyringOf(handle);
  const out: Partial<ProfileColumns> = {};
  if (profile.email === undefined && profile.name === undefined) return out;
  if (profile.email !== undefined) {
    out.email_hmac = profile.email && keyring ? keyring.emailHash(profile.email) : null;
  }
  if (!keyring?.sealWrites) {
    if (profile.email !== undefined) {
      out.email = profile.email;
      out.email_sealed = null;
    }
    if (profile.name !== undefined) {
      out.name = profile.name;
      out.name_sealed = null;
    }
    return out;
  }
  const key = await keyring.obtain(handle, 'user', userId);
  if (profile.email !== undefined) {
    out.email = null;
    out.email_sealed = profile.email
      ? keyring.seal(key, Buffer.from(profile.email, 'utf8'), {
          table: 'users',
          column: 'email',
          rowId: userId,
        })
      : null;
  }
  if (profile.name !== undefined) {
    out.name = '';
    out.name_sealed = profile.name
      ? keyring.seal(key, Buffer.from(profile.name, 'utf8'), {
          table: 'users',
          column: 'name',
          rowId: userId,
        })
      : null;
  }
  return out;
}

/** The sealed columns a query selects beside a user's id, email and name. */
export interface SealedProfile {
  email_sealed: Uint8Array | null;
  name_sealed: Uint8Array | null;
}

type ProfileRow = { email?: string | null; name?: string | null } & Partial<SealedProfile>;

/**
 * Replaces each row's email and name by their opened values (rows never sealed keep
 * theirs) and drops the sealed columns. `idOf` names the user a row's profile belongs to.
 * A query may select only the name (and `name_sealed`), or only the email.
 */
export async function openProfiles<T extends ProfileRow>(
  handle: Handle,
  rows: T[],
  idOf: (row: T) => string | null,
): Promise<Omit<T, keyof SealedProfile>[]> {
  const keyring = keyringOf(handle);
  const opened: Omit<T, keyof SealedProfile>[] = [];
  for (const row of rows) {
    const { email_sealed, name_sealed, ...rest } = row;
    const profile = rest as ProfileRow;
    const id = idOf(row);
    if ((email_sealed || name_sealed) && id) {
      if (!keyring) throw new SealedDataUnreadable(`users of ${id}: this handle carries no keyring`);
      const key = await keyring.find(handle, 'user', id);
      if (!key)
        throw new SealedDataUnreadable(
          `users of ${id}: the user's key is gone (erased: after a restore, run \`pnpm folio gdpr replay-ledger\`)`,
        );
      if (email_sealed) {
        profile.email = keyring
          .open(key, email_sealed, { table: 'users', column: 'email', rowId: id })
          .toString('utf8');
      }
      if (name_sealed) {
        profile.name = keyring
          .open(key, name_sealed, { table: 'users', column: 'name', rowId: id })
          .toString('utf8');
      }
    }
    opened.push(rest as Omit<T, keyof SealedProfile>);
  }
  return opened;
}
