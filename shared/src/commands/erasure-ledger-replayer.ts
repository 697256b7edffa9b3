import {
  appendToLedgerFile,
  type LedgerEntry,
  ledgerKey,
  readLedger,
  readLedgerFile,
  readLedgerTable,
  recordInLedger,
} from '../crypto/erasure-ledger.js';
import { type Keyring, keyringOf } from '../crypto/keyring.js';
import { deleteDocuments } from '../db/repositories/documents.js';
import type { Handle } from '../db/repositories/handle.js';
import { listUserIdsAfter } from '../db/repositories/users.js';
import { FolioError } from '../errors.js';
import { type UserEraserDeps, userEraser } from './user-eraser.js';

/** What a replay did: counts only (the ledger itself holds no personal data). */
export interface LedgerReplayReport {
  /** Entries in the ledger (table and file merged). */
  entries: number;
  /** Entries found only in the file (or only in the table), written back to the other copy. */
  entriesRepaired: number;
  /** Users present again (a restore) and erased again. */
  usersErased: number;
  /** Users the ledger names that could not be erased again (e.g. the last admin); ids are not reported. */
  usersFailed: number;
  /** Documents present again and deleted again (their keys shredded by the trigger). */
  documentsDeleted: number;
  /** Keys present again (a restored key store) and shredded. */
  keysShredded: number;
}

const PAGE = 1000;

/**
 * Re-applies every recorded erasure and hard delete, after a restore of the database or
 * of the key store: deletes documents the ledger names, erases users whose original id
 * hashes to a recorded subject, and shreds any of their keys a key-store backup brought
 * back. Idempotent: a second run finds nothing to do (an erased user's id is a new
 * pseudonym, whose hash the ledger does not hold). Run it before the servers take traffic.
 */
export async function erasureLedgerReplayer(
  db: Handle,
  deps: UserEraserDeps = {},
): Promise<LedgerReplayReport> {
  const keyring = keyringOf(db);
  if (!keyring) throw new FolioError('INTERNAL', 'the ledger replay needs the keyring (KEY_FILE)');
  const entries = await readLedger(db, keyring.ledgerFile);
  const report: LedgerReplayReport = {
    entries: entries.length,
    entriesRepaired: 0,
    usersErased: 0,
    usersFailed: 0,
    documentsDeleted: 0,
    keysShredded: 0,
  };
  report.entriesRepaired = await repairCopies(db, keyring, entries);

  const documentIds = entries.filter((e) => e.kind === 'document').map((e) => e.subject);
  for (let i = 0; i < documentIds.length; i += PAGE) {
    const chunk = documentIds.slice(i, i + PAGE);
    report.keysShredded += await keyring.shred(db, 'document', chunk);
    report.documentsDeleted += await deleteDocuments(db, chunk);
  }

  const subjects = new Set(entries.filter((e) => e.kind === 'user').map((e) => e.subject));
  if (subjects.size > 0) {
    // The ledger holds keyed hashes of ids: walk the users and hash each id.
    const found: string[] = [];
    for (let after = ''; ; ) {
      const ids = await listUserIdsAfter(db, after, PAGE);
      for (const id of ids) if (subjects.has(keyring.subjectHash(id))) found.push(id);
      if (ids.length < PAGE) break;
      after = ids[ids.length - 1] as string;
    }
    report.keysShredded += await keyring.shred(db, 'user', found);
    for (const userId of found) {
      try {
        await userEraser(db, { userId, actorId: null }, deps);
        report.usersErased++;
      } catch (error) {
        deps.log?.error({ err: error }, 'ledger replay: a recorded user could not be erased again');
        report.usersFailed++;
      }
    }
  }
  return report;
}

/** Writes entries missing from the table into it, and appends the file's missing lines. */
async function repairCopies(db: Handle, keyring: Keyring, merged: LedgerEntry[]): Promise<number> {
  const inTable = new Set((await readLedgerTable(db)).map(ledgerKey));
  const missingInTable = merged.filter((e) => !inTable.has(ledgerKey(e)));
  await recordInLedger(db, missingInTable);
  if (!keyring.ledgerFile) return missingInTable.length;
  const inFile = new Set((await readLedgerFile(keyring.ledgerFile)).map(ledgerKey));
  const missingInFile = merged.filter((e) => !inFile.has(ledgerKey(e)));
  await appendToLedgerFile(keyring, missingInFile);
  return missingInTable.length + missingInFile.length;
}
