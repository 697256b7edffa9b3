import { appendFile, readFile } from 'node:fs/promises';
import type { Kysely } from 'kysely';
import type { Handle } from '../db/repositories/handle.js';
import type { KeyOwner, KeyStoreDatabase } from './key-store.js';
import type { Keyring } from './keyring.js';

/**
 * The erasure ledger: every user erasure and document hard delete, as
 * `{ kind, subject, at }` — a document id, or a keyed hash of an erased user's original
 * id (the ledger must name the user a restored backup still holds, but the id itself
 * must stay nowhere once the user is erased). No personal data, so it is kept forever.
 *
 * Two copies, both outside the data a backup restores:
 * - `folio_keys.erasure_ledger`, written in the erasing transaction (document deletes by
 *   the trigger on `documents`): never lost to a crash between the erasure and the record;
 *   shared by every process; left out of data dumps with the rest of `folio_keys`.
 * - an append-only JSON-lines file beside the key file, written after commit: it outlives
 *   a restore of the key store itself from a key-store backup older than some erasures.
 * `pnpm folio gdpr replay-ledger` reads both.
 */
export interface LedgerEntry {
  kind: KeyOwner;
  subject: string;
  at: string;
}

const ledger = (handle: Handle) => handle as unknown as Kysely<KeyStoreDatabase>;

type NewEntry = Omit<LedgerEntry, 'at'> & { at?: string | undefined };

/** Records entries (now, unless they carry their time); an entry already there stays as it was. */
export async function recordInLedger(handle: Handle, entries: readonly NewEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await ledger(handle)
    .insertInto('folio_keys.erasure_ledger')
    .values(
      entries.map((e) => ({ kind: e.kind, subject: e.subject, ...(e.at ? { at: e.at } : {}) })) as never,
    )
    .onConflict((oc) => oc.doNothing())
    .execute();
}

/**
 * Appends entries to the ledger file after commit. A failure is the caller's to log: the
 * table copy is already committed, and the next append or a replay repairs the file.
 */
export async function appendToLedgerFile(keyring: Keyring, entries: readonly NewEntry[]): Promise<void> {
  if (!keyring.ledgerFile || entries.length === 0) return;
  const now = new Date().toISOString();
  const lines = entries
    .map((e) => `${JSON.stringify({ kind: e.kind, subject: e.subject, at: e.at ?? now })}\n`)
    .join('');
  // O_APPEND: concurrent appenders never interleave within a line this short.
  await appendFile(keyring.ledgerFile, lines, { mode: 0o600, flag: 'a' });
}

export async function readLedgerTable(handle: Handle): Promise<LedgerEntry[]> {
  const rows = await ledger(handle).selectFrom('folio_keys.erasure_ledger').selectAll().execute();
  return rows.map((row) => ({ kind: row.kind, subject: row.subject, at: new Date(row.at).toISOString() }));
}

export async function readLedgerFile(file: string): Promise<LedgerEntry[]> {
  let text = '';
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const entries: LedgerEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const entry = JSON.parse(line) as LedgerEntry;
      if ((entry.kind === 'user' || entry.kind === 'document') && typeof entry.subject === 'string') {
        entries.push({ kind: entry.kind, subject: entry.subject, at: String(entry.at) });
      }
    } catch {
      // A torn last line of a crashed append; its table copy remains.
    }
  }
  return entries;
}

export const ledgerKey = (entry: Pick<LedgerEntry, 'kind' | 'subject'>) => `${entry.kind}:${entry.subject}`;

/** Both copies, merged by (kind, subject), the earliest time kept, oldest first. */
export async function readLedger(handle: Handle, file: string | undefined): Promise<LedgerEntry[]> {
  const merged = new Map<string, LedgerEntry>();
  for (const entry of [...(await readLedgerTable(handle)), ...(file ? await readLedgerFile(file) : [])]) {
    const known = merged.get(ledgerKey(entry));
    if (!known || entry.at < known.at) merged.set(ledgerKey(entry), entry);
  }
  return [...merged.values()].sort((a, b) => a.at.localeCompare(b.at));
}
