import { sql } from 'kysely';
import type { InstanceRole, NewUser, User } from '../schema.js';
import type { Handle } from './handle.js';

/** Every column but `audit_ref`, which never leaves the database layer. */
const userColumns = [
  'id',
  'email',
  'name',
  'role',
  'oidc_issuer',
  'oidc_subject',
  'erased_at',
  'created_at',
  'updated_at',
] as const satisfies readonly (keyof User)[];

export function findUserById(db: Handle, id: string): Promise<User | undefined> {
  return db.selectFrom('users').select(userColumns).where('id', '=', id).executeTakeFirst();
}

export function findUserByEmail(db: Handle, email: string): Promise<User | undefined> {
  return db
    .selectFrom('users')
    .select(userColumns)
    .where((eb) => eb(eb.fn('lower', ['email']), '=', email.toLowerCase()))
    .executeTakeFirst();
}

/** Live (not erased) users in creation order, `limit` at most. */
export function listLiveUsers(db: Handle, limit: number): Promise<User[]> {
  return db
    .selectFrom('users')
    .selectAll()
    .where('erased_at', 'is', null)
    .orderBy('created_at')
    .orderBy('id')
    .limit(limit)
    .execute();
}

export function findUserByOidcIdentity(
  db: Handle,
  issuer: string,
  subject: string,
): Promise<User | undefined> {
  return db
    .selectFrom('users')
    .select(userColumns)
    .where('oidc_issuer', '=', issuer)
    .where('oidc_subject', '=', subject)
    .executeTakeFirst();
}

export function insertUser(db: Handle, user: NewUser): Promise<User> {
  return db.insertInto('users').values(user).returning(userColumns).executeTakeFirstOrThrow();
}

export function updateUserProfile(
  db: Handle,
  id: string,
  profile: { email?: string | null; name?: string; role?: InstanceRole },
): Promise<User | undefined> {
  return db
    .updateTable('users')
    .set({ ...profile, updated_at: new Date() })
    .where('id', '=', id)
    .returning(userColumns)
    .executeTakeFirst();
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
    .select(['id', 'erased_at', sql<boolean>`erased_at is not null and id <> audit_ref`.as('pseudonymized')])
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
