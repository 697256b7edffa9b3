import { hkdfSync } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { sql } from 'kysely';
import type { Handle } from '../db/repositories/handle.js';
import { LocalKeyEncryption } from './key-encryption.js';
import { loadKeyFile } from './key-file.js';
import { Keyring } from './keyring.js';

export * from './envelope.js';
export * from './erasure-ledger.js';
export * from './key-encryption.js';
export * from './key-file.js';
export * from './key-store.js';
export * from './keyring.js';
export * from './sealed-content.js';
export * from './sealed-profile.js';

export interface KeyringConfig {
  DATA_DIR: string;
  /**
   * Unset: embedded, `DATA_DIR/keys/folio.key`, generated on first start; with
   * `DATABASE_URL`, keys derived from `SECRET_KEY`, which every process sharing the
   * database already shares (a file generated inside one container would die with it).
   */
  KEY_FILE?: string | undefined;
  DATABASE_URL?: string | undefined;
  SECRET_KEY?: string | undefined;
  /** Unset: `erasure-ledger.jsonl` beside the key file. */
  ERASURE_LEDGER_FILE?: string | undefined;
  ENCRYPTION: boolean;
}

export const keyFilePath = (config: Pick<KeyringConfig, 'DATA_DIR' | 'KEY_FILE'>) =>
  resolve(config.KEY_FILE ?? join(config.DATA_DIR, 'keys', 'folio.key'));

/**
 * The process's keyring: from the key file (created when missing), or — with an external
 * database and no `KEY_FILE` — derived from `SECRET_KEY`. The contract makes `SECRET_KEY`
 * the one secret every process must share, so this keeps `DATABASE_URL` + `SECRET_KEY`
 * enough to start; a separate `KEY_FILE` is still the better practice (the README says
 * why: backed up apart, rotated apart). A process started with another `SECRET_KEY` is
 * refused at start-up by `assertKeyFileMatches`, never left writing unreadable keys.
 */
export async function openKeyring(config: KeyringConfig): Promise<Keyring> {
  const derived = !config.KEY_FILE && config.DATABASE_URL && config.SECRET_KEY;
  const path = keyFilePath(config);
  const keys = derived ? deriveKeys(config.SECRET_KEY as string) : await loadKeyFile(path, { create: true });
  return new Keyring({
    kms: new LocalKeyEncryption(keys.kek),
    emailLookupKey: keys.emailLookupKey,
    sealWrites: config.ENCRYPTION,
    ledgerFile: resolve(config.ERASURE_LEDGER_FILE ?? join(dirname(path), 'erasure-ledger.jsonl')),
  });
}

/** The key-encryption and email-lookup keys as HKDF-SHA256 outputs of SECRET_KEY, apart from each other. */
export function deriveKeys(secretKey: string): { kek: Buffer; emailLookupKey: Buffer } {
  const derive = (purpose: string) =>
    Buffer.from(hkdfSync('sha256', secretKey, 'folio keyring', `folio ${purpose} v1`, 32));
  return { kek: derive('key-encryption key'), emailLookupKey: derive('email lookup key') };
}

/**
 * Refuses to start with a key file other than the one the key store's keys were wrapped
 * by: a second machine that generated its own would otherwise write keys nobody else can
 * unwrap. Checks one key of each kind (all are wrapped by the same KEK until rotation).
 */
export async function assertKeyFileMatches(db: Handle, keyring: Keyring): Promise<void> {
  let rows: { kek_id: string }[];
  try {
    ({ rows } = await sql<{ kek_id: string }>`
      (select kek_id from folio_keys.user_keys limit 1)
      union (select kek_id from folio_keys.document_keys limit 1)`.execute(db));
  } catch (error) {
    // Not migrated yet (a process started with migrations left to another): nothing to check.
    if ((error as { code?: string }).code === '42P01' || (error as { code?: string }).code === '3F000')
      return;
    throw error;
  }
  const other = rows.find((r) => r.kek_id !== keyring.kekId);
  if (other) {
    throw new Error(
      `the key store's keys are wrapped by ${other.kek_id}, but the key file holds ${keyring.kekId}: ` +
        'point KEY_FILE at the key file every Folio process shares',
    );
  }
}
