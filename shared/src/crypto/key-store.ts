import { type Kysely, sql } from 'kysely';
import type { Handle } from '../db/repositories/handle.js';

/**
 * The key store's repository: schema `folio_keys`, which data backups leave out (see the
 * migration `2026-12-08T0240_envelope_encryption`). Functions take the data handle first,
 * so keys are created and shredded in the caller's transaction.
 */

export type KeyOwner = 'user' | 'document';

interface KeyRow {
  kek_id: string;
  wrapped: Uint8Array;
}

export interface KeyStoreDatabase {
  'folio_keys.user_keys': KeyRow & { user_id: string; created_at: Date };
  'folio_keys.document_keys': KeyRow & { document_id: string; created_at: Date };
  'folio_keys.erasure_ledger': { kind: KeyOwner; subject: string; at: Date };
}

const keys = (handle: Handle) => handle as unknown as Kysely<KeyStoreDatabase>;

const table = { user: 'folio_keys.user_keys', document: 'folio_keys.document_keys' } as const;
const column = { user: 'user_id', document: 'document_id' } as const;

export interface StoredKey extends KeyRow {
  /** Inserted by the caller's own open transaction: not committed yet, so not cacheable. */
  uncommitted: boolean;
}

export async function findWrappedKey(
  handle: Handle,
  owner: KeyOwner,
  id: string,
): Promise<StoredKey | undefined> {
  // xmin is a 32-bit xid; the current transaction's id (if it has one) is the 64-bit xid8.
  const row = await keys(handle)
    .selectFrom(table[owner])
    .select([
      'kek_id',
      'wrapped',
      sql<boolean>`coalesce(xmin::text::bigint = pg_current_xact_id_if_assigned()::text::bigint % 4294967296, false)`.as(
        'uncommitted',
      ),
    ])
    .where(column[owner] as never, '=', id as never)
    .executeTakeFirst();
  return row as StoredKey | undefined;
}

/** Inserts a wrapped key unless one exists already; false when another writer got there first. */
export async function insertWrappedKey(
  handle: Handle,
  owner: KeyOwner,
  id: string,
  key: KeyRow,
): Promise<boolean> {
  const result = await keys(handle)
    .insertInto(table[owner])
    .values({ [column[owner]]: id, kek_id: key.kek_id, wrapped: key.wrapped } as never)
    .onConflict((oc) => oc.doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

/** Shreds keys: once committed, everything sealed with them is unreadable everywhere. */
export async function deleteWrappedKeys(
  handle: Handle,
  owner: KeyOwner,
  ids: readonly string[],
): Promise<number> {
  if (ids.length === 0) return 0;
  const result = await keys(handle)
    .deleteFrom(table[owner])
    .where(column[owner] as never, 'in', ids as never)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
