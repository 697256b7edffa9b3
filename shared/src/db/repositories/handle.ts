import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../schema.js';

/** Repositories take either the database or an open transaction, first. */
export type Handle = Kysely<Database> | Transaction<Database>;

/** Runs `fn` in the caller's transaction, or in a new one when given the database. */
export function inTransaction<T>(handle: Handle, fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  return handle.isTransaction ? fn(handle as Transaction<Database>) : handle.transaction().execute(fn);
}

/** Postgres unique_violation. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const e = error as { code?: string; constraint?: string; message?: string };
  if (e?.code !== '23505') return false;
  return constraint === undefined || e.constraint === constraint || Boolean(e.message?.includes(constraint));
}
