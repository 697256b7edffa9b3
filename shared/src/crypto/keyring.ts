import { createHmac, type KeyObject, randomBytes } from 'node:crypto';
import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs } from 'kysely';
import type { Handle } from '../db/repositories/handle.js';
import { DATA_KEY_BYTES, dataKey, open, type SealContext, seal } from './envelope.js';
import { KeyCache } from './key-cache.js';
import type { KeyEncryptionService } from './key-encryption.js';
import { deleteWrappedKeys, findWrappedKey, insertWrappedKey, type KeyOwner } from './key-store.js';

export interface KeyringOptions {
  kms: KeyEncryptionService;
  /** HMAC-SHA256 key of email lookups. */
  emailLookupKey: Uint8Array;
  /** Seal new writes. Off: new rows are written in the clear; sealed rows still open. */
  sealWrites: boolean;
  /** Where erasures are appended after commit, beside the key file (unset: the table only). */
  ledgerFile?: string | undefined;
  /** Unwrapped keys kept in memory (default 10,000: about 1 MB). */
  cacheSize?: number;
  /** How long an unwrapped key may stay in memory (default 10 minutes). */
  cacheTtlMs?: number;
}

/**
 * Data keys per user and per document: found (and unwrapped) through the caller's handle,
 * created on first write, shredded with the user or document. Unwrapped keys are cached
 * in this process only (never logged, never sent to Redis); a key inserted by a
 * transaction that has not committed is not cached, since that transaction may yet roll
 * back and another writer create a different key.
 */
export class Keyring {
  readonly sealWrites: boolean;
  readonly ledgerFile: string | undefined;
  readonly kekId: string;
  readonly #kms: KeyEncryptionService;
  readonly #emailLookupKey: Buffer;
  readonly #cache: KeyCache;

  constructor(options: KeyringOptions) {
    this.#kms = options.kms;
    this.kekId = options.kms.kekId;
    this.#emailLookupKey = Buffer.from(options.emailLookupKey);
    this.sealWrites = options.sealWrites;
    this.ledgerFile = options.ledgerFile;
    this.#cache = new KeyCache(options.cacheSize ?? 10_000, options.cacheTtlMs ?? 10 * 60_000);
  }

  /** The keyed hash an email is found and kept unique by (lower-cased first). */
  emailHash(email: string): Buffer {
    return createHmac('sha256', this.#emailLookupKey).update(email.toLowerCase()).digest();
  }

  /** A keyed hash of a user's id, as the erasure ledger records it (no id in the clear). */
  subjectHash(userId: string): string {
    return createHmac('sha256', this.#emailLookupKey).update(`erased-user:${userId}`).digest('hex');
  }

  /** The owner's key, or undefined when it has none (never had one, or shredded). */
  async find(handle: Handle, owner: KeyOwner, id: string): Promise<KeyObject | undefined> {
    const cacheId = `${owner}:${id}`;
    const cached = this.#cache.get(cacheId);
    if (cached) return cached;
    const stored = await findWrappedKey(handle, owner, id);
    if (!stored) return undefined;
    if (stored.kek_id !== this.kekId) {
      throw new Error(
        `the ${owner} key of ${id} is wrapped by ${stored.kek_id}, but this process holds ${this.kekId}: ` +
          'every process must use the same key file (KEY_FILE)',
      );
    }
    const raw = await this.#kms.unwrap(stored.wrapped, cacheId);
    const key = dataKey(raw);
    raw.fill(0);
    if (!stored.uncommitted) this.#cache.set(cacheId, key);
    return key;
  }

  /** The owner's key, created (in the caller's transaction) when it has none. */
  async obtain(handle: Handle, owner: KeyOwner, id: string): Promise<KeyObject> {
    const existing = await this.find(handle, owner, id);
    if (existing) return existing;
    const raw = randomBytes(DATA_KEY_BYTES);
    const wrapped = await this.#kms.wrap(raw, `${owner}:${id}`);
    const key = dataKey(raw);
    raw.fill(0);
    if (await insertWrappedKey(handle, owner, id, { kek_id: this.kekId, wrapped })) return key;
    // Another writer committed one between our look and our insert: use theirs.
    const theirs = await this.find(handle, owner, id);
    if (!theirs) throw new Error(`the ${owner} key of ${id} vanished while being created`);
    return theirs;
  }

  /** Shreds keys in the caller's transaction and forgets them here. */
  async shred(handle: Handle, owner: KeyOwner, ids: readonly string[]): Promise<number> {
    for (const id of ids) this.#cache.delete(`${owner}:${id}`);
    return deleteWrappedKeys(handle, owner, ids);
  }

  /** Forgets cached keys (after a commit that shredded them, or a rollback). */
  forget(owner: KeyOwner, ids: readonly string[]): void {
    for (const id of ids) this.#cache.delete(`${owner}:${id}`);
  }

  seal(key: KeyObject, plaintext: Uint8Array, context: SealContext): Buffer {
    return seal(key, plaintext, context);
  }

  open(key: KeyObject, envelope: Uint8Array, context: SealContext): Buffer {
    return open(key, envelope, context);
  }
}

/**
 * Carries a keyring on a Kysely instance. Kysely hands its plugins on to every
 * transaction it opens, so repositories find the keyring on whatever handle they are
 * given — the database or a transaction — without every command threading it through.
 * It transforms nothing.
 */
export class KeyringCarrier implements KyselyPlugin {
  constructor(readonly keyring: Keyring) {}
  transformQuery(args: PluginTransformQueryArgs) {
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs) {
    return args.result;
  }
}

/** The keyring a handle carries; undefined on a bare handle (tests' raw connections). */
export function keyringOf(handle: Handle): Keyring | undefined {
  for (const plugin of handle.getExecutor().plugins) {
    if (plugin instanceof KeyringCarrier) return plugin.keyring;
  }
  return undefined;
}
