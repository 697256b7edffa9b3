import { sql } from 'kysely';
import { keyringOf } from '../../crypto/keyring.js';
import {
  openProfiles,
  type ProfileColumns,
  type SealedProfile,
  sealProfile,
} from '../../crypto/sealed-profile.js';
import type { InstanceRole, NewUser, User } from '../schema.js';
import type { Handle } from './handle.js';

/**
 * Every column but `audit_ref`, which never leaves the database layer, and the sealed
 * profile, which is opened here (crypto/sealed-profile.ts): callers see email and name.
 */
const userColumns = [
  'id',
  'email',
  'name',
  'email_sealed',
  'name_sealed',
  'role',
  'oidc_issuer',
  'oidc_subject',
  'erased_at',
  'created_at',
  'updated_at',
] as const;

type StoredUser = User & SealedProfile;

const opened = (db: Handle, rows: StoredUser[]): Promise<User[]> => openProfiles(db, rows, (r) => r.id);
const openedOne = async (db: Handle, row: StoredUser | undefined): Promise<User | undefined> =>
  row ? (await opened(db, [row]))[0] : undefined;

export async function findUserById(db: Handle, id: string): Promise<User | undefined> {
  return openedOne(
    db,
    await db.selectFrom('users').select(userColumns).where('id', '=', id).executeTakeFirst(),
  );
}

/**
 * By the keyed hash of the email (sealed rows), or by the email itself (rows written
 * before encryption, or with it off); both are unique.
 */
export async function findUserByEmail(db: Handle, email: string): Promise<User | undefined> {
  const hash = keyringOf(db)?.emailHash(email);
  const row = await db
    .selectFrom('users')
    .select(userColumns)
    .where((eb) =>
      eb.or([
        eb(eb.fn('lower', ['email']), '=', email.toLowerCase()),
        ...(hash ? [eb('email_hmac', '=', hash)] : []),
      ]),
    )
    .executeTakeFirst();
  return openedOne(db, row);
}

/** Live (not erased) users in creation order, `limit` at most. */
export async function listLiveUsers(db: Handle, limit: number): Promise<User[]> {
  const rows = await db
    .selectFrom('users')
    .select(userColumns)
    .where('erased_at', 'is', null)
    .orderBy('created_at')
    .orderBy('id')
    .limit(limit)
    .execute();
  return opened(db, rows);
}

export async function findUserByOidcIdentity(
  db: Handle,
  issuer: string,
  subject: string,
): Promise<User | undefined> {
  const row = await db
    .selectFrom('users')
    .select(userColumns)
    .where('oidc_issuer', '=', issuer)
    .where('oidc_subject', '=', subject)
    .executeTakeFirst();
  return openedOne(db, row);
}

/** Inserts a user, sealing email and name with a key made for them in the caller's transaction. */
export async function insertUser(db: Handle, user: NewUser): Promise<User> {
  const profile = await sealProfile(db, user.id, { email: user.email ?? null, name: user.name ?? '' });
  const row = await db
    .insertInto('users')
    .values({ ...user, ...profile })
    .returning(userColumns)
    .executeTakeFirstOrThrow();
  return (await openedOne(db, row)) as User;
}

export async function updateUserProfile(
  db: Handle,
  id: string,
  profile: { email?: string | null; name?: string; role?: InstanceRole },
): Promise<User | undefined> {
  const { email, name, ...rest } = profile;
  const sealed = await sealProfile(db, id, { email, name });
  const row = await db
    .updateTable('users')
    .set({ ...rest, ...sealed, updated_at: new Date() })
    .where('id', '=', id)
    .returning(userColumns)
    .executeTakeFirst();
  return openedOne(db, row);
}

/** User ids in order after `after`, `limit` at most (the ledger replay hashes each). */
export async function listUserIdsAfter(db: Handle, after: string, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom('users')
    .select('id')
    .where('id', '>', after)
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map((r) => r.id);
}

/**
 * Users with an email or name still in the clear (the background sealer's work): sealed
 * rows keep email null and name empty.
 */
export function listUnsealedUsers(db: Handle, limit: number) {
  return db
    .selectFrom('users')
    .select(['id', 'email', 'name'])
    .where((eb) => eb.or([eb('email', 'is not', null), eb('name', '<>', '')]))
    .orderBy('id')
    .limit(limit)
    .execute();
}

/**
 * Writes sealed columns over the plaintext ones they were made from, unless the profile
 * changed meanwhile (then it was written sealed, or the next pass sees the new values).
 */
export async function sealStoredProfile(
  db: Handle,
  id: string,
  was: { email: string | null; name: string },
  sealed: Partial<ProfileColumns>,
): Promise<void> {
  await db
    .updateTable('users')
    .set(sealed)
    .where('id', '=', id)
    .where((eb) => (was.email === null ? eb('email', 'is', null) : eb('email', '=', was.email)))
    .where('name', '=', was.name)
    .execute();
}

export async function countUsers(db: Handle): Promise<number> {
  const row = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * The instance admins other than `userId` who have not been erased. Their rows are
 * locked for the caller's transaction, so two erasures of the last two admins cannot
 * each see the other as the one who stays.
 */
export async function lockOtherLiveAdmins(db: Handle, userId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('users')
    .select('id')
    .where('role', '=', 'admin')
    .where('erased_at', 'is', null)
    .where('id', '!=', userId)
    .orderBy('id')
    .forUpdate()
    .execute();
  return rows.map((r) => r.id);
}

/**
 * Locks the user row for the rest of the transaction: one erasure of a user at a time.
 * `pseudonymized`: the row already carries a pseudonym (an erasure ran to the end), so
 * a retry keeps that id.
 */
export function lockUserForErasure(db: Handle, userId: string) {
  return db
    .selectFrom('users')
    .select([
      'id',
      'role',
      'erased_at',
      sql<boolean>`erased_at is not null and id <> audit_ref`.as('pseudonymized'),
    ])
    .where('id', '=', userId)
    .forUpdate()
    .executeTakeFirst();
}

/**
 * The row stays under a new id, the pseudonym: every foreign key to it follows (ON UPDATE
 * CASCADE), so update attributions, `created_by` and `granted_by` columns and erasure
 * requests name the pseudonym, and the original id is left nowhere. Nothing personal is
 * left on the row, and it holds no privilege. `audit_ref` stays: the audit hashes cover it.
 */
export async function pseudonymizeUser(
  db: Handle,
  userId: string,
  pseudonymId: string,
  at: Date,
): Promise<void> {
  await db
    .updateTable('users')
    .set({
      id: pseudonymId,
      email: null,
      name: '',
      email_hmac: null,
      email_sealed: null,
      name_sealed: null,
      role: 'member',
      oidc_issuer: null,
      oidc_subject: null,
      erased_at: at,
      updated_at: at,
    })
    .where('id', '=', userId)
    .execute();
}

/** Whether the database has Folio's tables at all (the `users` table stands for them). */
export async function usersTableExists(db: Handle): Promise<boolean> {
  const { rows } = await sql<{ users: string | null }>`select to_regclass('users')::text as users`.execute(
    db,
  );
  return Boolean(rows[0]?.users);
}
