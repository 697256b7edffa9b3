import type { Handle } from '../db/repositories/handle.js';
import { SealedDataUnreadable } from './envelope.js';
import { keyringOf } from './keyring.js';

/**
 * Document content at rest — update-log rows, the compacted state, versions — sealed with
 * the document's data key. Rows carry a `sealed` flag: rows written before encryption (or
 * with it off) stay readable until the background job seals them.
 *
 * Associated data: update-log rows and the state are bound to their document (the log's
 * `seq` is assigned by Postgres on insert, so it cannot be bound without a round trip on
 * the hot path; a ciphertext moved to another document fails, one reordered within its
 * own document's log is not detected); versions are bound to their version id.
 */
export type ContentColumn =
  | { table: 'document_updates'; column: 'update' }
  | { table: 'document_states'; column: 'snapshot' }
  | { table: 'document_versions'; column: 'snapshot' };

export const UPDATE_LOG: ContentColumn = { table: 'document_updates', column: 'update' };
export const DOCUMENT_STATE: ContentColumn = { table: 'document_states', column: 'snapshot' };
export const VERSION_SNAPSHOT: ContentColumn = { table: 'document_versions', column: 'snapshot' };

export interface SealedBytes {
  bytes: Uint8Array;
  sealed: boolean;
}

/**
 * Seals one document's values for `place` (with the keyring the handle carries; in the
 * clear when it has none or sealing is off). `rowIds` default to the document id.
 */
export async function sealDocumentContent(
  handle: Handle,
  documentId: string,
  place: ContentColumn,
  values: readonly Uint8Array[],
  rowIds?: readonly string[],
): Promise<SealedBytes[]> {
  const keyring = keyringOf(handle);
  if (!keyring?.sealWrites) return values.map((bytes) => ({ bytes, sealed: false }));
  const key = await keyring.obtain(handle, 'document', documentId);
  return values.map((bytes, i) => ({
    bytes: keyring.seal(key, bytes, { ...place, rowId: rowIds?.[i] ?? documentId }),
    sealed: true,
  }));
}

/** Opens one document's values; plain rows pass through. */
export async function openDocumentContent(
  handle: Handle,
  documentId: string,
  place: ContentColumn,
  values: readonly SealedBytes[],
  rowIds?: readonly string[],
): Promise<Uint8Array[]> {
  if (!values.some((v) => v.sealed)) return values.map((v) => v.bytes);
  const keyring = keyringOf(handle);
  if (!keyring)
    throw new SealedDataUnreadable(`${place.table}.${place.column}: this handle carries no keyring`);
  const key = await keyring.find(handle, 'document', documentId);
  if (!key) {
    throw new SealedDataUnreadable(
      `${place.table}.${place.column} of ${documentId}: the document's key is gone (deleted: after a restore, run \`pnpm folio gdpr replay-ledger\`)`,
    );
  }
  return values.map((v, i) =>
    v.sealed ? keyring.open(key, v.bytes, { ...place, rowId: rowIds?.[i] ?? documentId }) : v.bytes,
  );
}

/** Shorthand for one value. */
export async function sealOne(
  handle: Handle,
  documentId: string,
  place: ContentColumn,
  bytes: Uint8Array,
  rowId?: string,
) {
  const [one] = await sealDocumentContent(handle, documentId, place, [bytes], rowId ? [rowId] : undefined);
  return one as SealedBytes;
}

export async function openOne(
  handle: Handle,
  documentId: string,
  place: ContentColumn,
  value: SealedBytes,
  rowId?: string,
) {
  const [one] = await openDocumentContent(handle, documentId, place, [value], rowId ? [rowId] : undefined);
  return one as Uint8Array;
}

/**
 * Opens the `field` of rows of one document in place of their ciphertext (rows never
 * sealed pass through) and drops their `sealed` flag.
 */
export async function openRowsOf<F extends string, T extends { [K in F]: Uint8Array } & { sealed: boolean }>(
  handle: Handle,
  documentId: string,
  place: ContentColumn,
  field: F,
  rows: T[],
  rowIdOf?: (row: T) => string,
): Promise<Omit<T, 'sealed'>[]> {
  const opened = await openDocumentContent(
    handle,
    documentId,
    place,
    rows.map((r) => ({ bytes: r[field], sealed: r.sealed })),
    rowIdOf ? rows.map(rowIdOf) : undefined,
  );
  return rows.map((row, i) => {
    const { sealed: _, ...rest } = row;
    return { ...rest, [field]: opened[i] } as Omit<T, 'sealed'>;
  });
}
