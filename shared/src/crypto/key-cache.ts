import type { KeyObject } from 'node:crypto';

/**
 * Unwrapped data keys by owner, bounded in count and in age. The bound in count keeps
 * memory flat however many documents a process touches; the bound in age limits how long
 * a key shredded by another process can linger here (this process forgets keys it shreds
 * itself at once). A Map iterates in insertion order, so re-inserting on a hit makes the
 * first entry the least recently used.
 */
export class KeyCache {
  readonly #entries = new Map<string, { key: KeyObject; until: number }>();

  constructor(
    readonly capacity: number,
    readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(id: string): KeyObject | undefined {
    const entry = this.#entries.get(id);
    if (!entry) return undefined;
    this.#entries.delete(id);
    if (entry.until <= this.now()) return undefined;
    this.#entries.set(id, entry);
    return entry.key;
  }

  set(id: string, key: KeyObject): void {
    this.delete(id);
    this.#entries.set(id, { key, until: this.now() + this.ttlMs });
    while (this.#entries.size > this.capacity) {
      const oldest = this.#entries.keys().next().value as string;
      this.delete(oldest);
    }
  }

  /** Drops the key (OpenSSL frees its copy once nothing references the KeyObject). */
  delete(id: string): void {
    this.#entries.delete(id);
  }

  get size(): number {
    return this.#entries.size;
  }
}
