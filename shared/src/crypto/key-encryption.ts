import { createHmac, type KeyObject } from 'node:crypto';
import { dataKey, open, seal } from './envelope.js';

/**
 * The key-encryption key (KEK) behind a small interface: it wraps and unwraps data keys
 * and never hands itself out. The local implementation below keeps the KEK in a file;
 * a cloud KMS or Vault Transit fits the same two calls:
 *
 * - AWS KMS / GCP KMS: `wrap` = `Encrypt(KeyId, Plaintext: dataKey, EncryptionContext:
 *   { folio: context })`, `unwrap` = `Decrypt` with the same context; `kekId` = the key's
 *   ARN or resource name (with its version, so rotation is visible).
 * - Vault Transit: `POST transit/encrypt/<name>` with `plaintext` = base64(dataKey) and
 *   `context` = base64(context) on a derived key; `unwrap` = `transit/decrypt/<name>`.
 *
 * Each unwrap is a network call there, which is why the keyring caches unwrapped keys
 * (bounded, with a time limit) and why the KEK is never needed per edit.
 */
export interface KeyEncryptionService {
  /** Names the KEK; stored beside each wrapped key so a different KEK is reported as such. */
  readonly kekId: string;
  /** Wraps a data key; `context` (e.g. `document:<id>`) is bound in, like associated data. */
  wrap(dataKey: Uint8Array, context: string): Promise<Buffer>;
  unwrap(wrapped: Uint8Array, context: string): Promise<Buffer>;
}

/** A KEK held in this process's memory (loaded from the local key file). */
export class LocalKeyEncryption implements KeyEncryptionService {
  readonly kekId: string;
  readonly #kek: KeyObject;

  constructor(kek: Uint8Array) {
    if (kek.length !== 32) throw new Error('a key-encryption key is 32 bytes');
    this.#kek = dataKey(kek);
    // A fingerprint, not the key: HMAC of a fixed label under the key.
    this.kekId = `local:${createHmac('sha256', kek).update('folio kek id').digest('hex').slice(0, 16)}`;
  }

  async wrap(dataKey: Uint8Array, context: string): Promise<Buffer> {
    return seal(this.#kek, dataKey, { table: 'folio_keys', column: 'wrapped', rowId: context });
  }

  async unwrap(wrapped: Uint8Array, context: string): Promise<Buffer> {
    return open(this.#kek, wrapped, { table: 'folio_keys', column: 'wrapped', rowId: context });
  }
}
