import { keyringOf } from '../crypto/keyring.js';
import {
  DOCUMENT_STATE,
  sealDocumentContent,
  UPDATE_LOG,
  VERSION_SNAPSHOT,
} from '../crypto/sealed-content.js';
import { sealProfile } from '../crypto/sealed-profile.js';
import { listUnsealedStates, sealStoredState } from '../db/repositories/document-states.js';
import { listUnsealedUpdates, sealStoredUpdates } from '../db/repositories/document-updates.js';
import { listUnsealedVersions, sealStoredVersion } from '../db/repositories/document-versions.js';
import type { Handle } from '../db/repositories/handle.js';
import { countUnsealedRows, type UnsealedCounts } from '../db/repositories/sealing-progress.js';
import { listUnsealedUsers, sealStoredProfile } from '../db/repositories/users.js';

export interface SealingPass {
  /** Rows sealed by this pass, by table. */
  sealed: UnsealedCounts;
  /** True when the pass stopped at its budget with rows left (run another). */
  more: boolean;
}

const BATCH = 500;

/**
 * Seals rows written before encryption was on (or while it was off), in batches, until
 * none are left or `budgetMs` is spent. Resumable by construction: what is left is
 * exactly the rows still marked unsealed (found through partial indexes), so a pass cut
 * short by a crash or a deploy loses nothing and the next one continues. Each update
 * re-checks that the row is still unsealed (and, for a state, still the same one), so a
 * concurrent compaction or a second sealer never has its work overwritten.
 */
export async function existingDataSealer(
  db: Handle,
  /** `stopping`: checked between batches, so a worker shutting down is not held up. */
  options: { budgetMs?: number; stopping?: () => boolean } = {},
): Promise<SealingPass> {
  const keyring = keyringOf(db);
  const sealed: UnsealedCounts = { users: 0, document_updates: 0, document_states: 0, document_versions: 0 };
  if (!keyring?.sealWrites) return { sealed, more: false };
  const deadline = Date.now() + (options.budgetMs ?? 20_000);
  const steps: [keyof UnsealedCounts, () => Promise<number>][] = [
    ['users', () => sealUsers(db)],
    ['document_updates', () => sealUpdates(db)],
    ['document_states', () => sealStates(db)],
    ['document_versions', () => sealVersions(db)],
  ];
  for (const [table, step] of steps) {
    for (;;) {
      if (Date.now() > deadline || options.stopping?.()) return { sealed, more: true };
      const n = await step();
      sealed[table] += n;
      if (n < BATCH) break;
    }
  }
  return { sealed, more: false };
}

async function sealUsers(db: Handle): Promise<number> {
  const users = await listUnsealedUsers(db, BATCH);
  for (const user of users) {
    // Only what is still in the clear: a column sealed already is left as it is.
    const sealed = await sealProfile(db, user.id, {
      ...(user.email !== null ? { email: user.email } : {}),
      ...(user.name !== '' ? { name: user.name } : {}),
    });
    await sealStoredProfile(db, user.id, user, sealed);
  }
  return users.length;
}

async function sealUpdates(db: Handle): Promise<number> {
  const rows = await listUnsealedUpdates(db, BATCH);
  const byDocument = Map.groupBy(rows, (r) => r.document_id);
  for (const [documentId, of] of byDocument) {
    const sealedBytes = await sealDocumentContent(
      db,
      documentId,
      UPDATE_LOG,
      of.map((r) => r.update),
    );
    await sealStoredUpdates(
      db,
      of.map((r, i) => ({ seq: r.seq, update: (sealedBytes[i] as { bytes: Uint8Array }).bytes })),
    );
  }
  return rows.length;
}

async function sealStates(db: Handle): Promise<number> {
  const rows = await listUnsealedStates(db, BATCH);
  for (const row of rows) {
    const [one] = await sealDocumentContent(db, row.document_id, DOCUMENT_STATE, [row.snapshot]);
    await sealStoredState(db, row.document_id, row.covers_xid, (one as { bytes: Uint8Array }).bytes);
  }
  return rows.length;
}

async function sealVersions(db: Handle): Promise<number> {
  const rows = await listUnsealedVersions(db, BATCH);
  for (const row of rows) {
    const [one] = await sealDocumentContent(db, row.document_id, VERSION_SNAPSHOT, [row.snapshot], [row.id]);
    await sealStoredVersion(db, row.id, (one as { bytes: Uint8Array }).bytes);
  }
  return rows.length;
}

export { countUnsealedRows };
