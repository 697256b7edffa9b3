import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { dataKey, ENVELOPE_OVERHEAD, open, SealedDataUnreadable, seal } from './envelope.js';
import { KeyCache } from './key-cache.js';

const key = randomBytes(32);
const here = { table: 'document_updates', column: 'update', rowId: 'doc-1' };

describe('envelope', () => {
  it('round-trips and adds a fixed overhead', () => {
    const plain = Buffer.from('the canary sings');
    const sealed = seal(key, plain, here);
    expect(sealed.length).toBe(plain.length + ENVELOPE_OVERHEAD);
    expect(sealed.includes(plain)).toBe(false);
    expect(open(key, sealed, here).toString()).toBe('the canary sings');
  });

  it('takes the key as bytes or as a KeyObject alike', () => {
    const sealed = seal(dataKey(key), Buffer.from('same'), here);
    expect(open(key, sealed, here).toString()).toBe('same');
  });

  it('never seals the same value to the same bytes (random nonce)', () => {
    expect(seal(key, Buffer.from('x'), here).equals(seal(key, Buffer.from('x'), here))).toBe(false);
  });

  it('refuses a value moved to another row, column or table, a wrong key, or a flipped bit', () => {
    const sealed = seal(key, Buffer.from('secret'), here);
    expect(() => open(key, sealed, { ...here, rowId: 'doc-2' })).toThrow(SealedDataUnreadable);
    expect(() => open(key, sealed, { ...here, column: 'snapshot' })).toThrow(SealedDataUnreadable);
    expect(() => open(key, sealed, { ...here, table: 'document_states' })).toThrow(SealedDataUnreadable);
    expect(() => open(randomBytes(32), sealed, here)).toThrow(SealedDataUnreadable);
    const flipped = Buffer.from(sealed);
    flipped[20] = (flipped[20] as number) ^ 1;
    expect(() => open(key, flipped, here)).toThrow(/authentication failed/);
    expect(() => open(key, Buffer.from([1, 2, 3]), here)).toThrow(/not an envelope/);
  });
});

describe('KeyCache', () => {
  const key = (fill: number) => dataKey(Buffer.alloc(32, fill));
  it('evicts the least recently used beyond its capacity, and what outlived its time', () => {
    let now = 0;
    const cache = new KeyCache(2, 1000, () => now);
    cache.set('a', key(1));
    cache.set('b', key(2));
    expect(cache.get('a')?.export()[0]).toBe(1); // a is now the most recent
    cache.set('c', key(3));
    expect(cache.get('b')).toBeUndefined();
    expect(cache.size).toBe(2);
    now = 1500;
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('c')).toBeUndefined();
    expect(cache.size).toBe(0);
  });
});
