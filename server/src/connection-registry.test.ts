import { describe, expect, it, vi } from 'vitest';
import { ConnectionRegistry, type RegisteredConnection } from './connection-registry.js';

function entry(overrides: Partial<RegisteredConnection> = {}) {
  const closed: [number, string][] = [];
  const e: RegisteredConnection = {
    userId: 'u1',
    documentId: 'd1',
    expiresAt: () => undefined,
    close: (code, reason) => closed.push([code, reason]),
    ...overrides,
  };
  return { e, closed };
}

describe('ConnectionRegistry', () => {
  it('revokes by user, narrowed by document and token', () => {
    const registry = new ConnectionRegistry();
    const a = entry({ documentId: 'd1', tokenId: 't1' });
    const b = entry({ documentId: 'd2', tokenId: 't1' });
    const c = entry({ documentId: 'd2', tokenId: 't2' });
    const other = entry({ userId: 'u2' });
    for (const x of [a, b, c, other]) registry.add(x.e);
    expect(registry.revoke({ type: 'revoke', userId: 'u1', documentId: 'd2', tokenId: 't1' })).toBe(1);
    expect(b.closed).toEqual([[4403, 'access revoked']]);
    expect(registry.revoke({ type: 'revoke', userId: 'u1' })).toBe(2);
    expect([a.closed.length, c.closed.length, other.closed.length]).toEqual([1, 1, 0]);
    expect(registry.size).toBe(1);
    registry.stop();
  });

  it('asks for a fresh token before expiry, once per expiry, and closes at expiry', () => {
    const registry = new ConnectionRegistry();
    let expiresAt = 100_000;
    const requestToken = vi.fn();
    const x = entry({ expiresAt: () => expiresAt, requestToken });
    const unregister = registry.add(x.e);
    registry.sweepExpired(50_000);
    expect(requestToken).not.toHaveBeenCalled();
    registry.sweepExpired(80_000);
    registry.sweepExpired(81_000);
    expect(requestToken).toHaveBeenCalledTimes(1);
    expiresAt = 200_000; // refreshed
    registry.sweepExpired(150_000);
    registry.sweepExpired(180_000);
    expect(requestToken).toHaveBeenCalledTimes(2);
    expect(x.closed).toEqual([]);
    registry.sweepExpired(200_000);
    expect(x.closed).toEqual([[4401, 'token expired']]);
    unregister();
    expect(registry.size).toBe(0);
    registry.stop();
  });

  it('closes connections whose re-check fails, and keeps them when the check errors', async () => {
    const registry = new ConnectionRegistry();
    const lost = entry({ reauthorize: async () => false });
    const kept = entry({ reauthorize: async () => true });
    const flaky = entry({ reauthorize: async () => Promise.reject(new Error('database down')) });
    for (const x of [lost, kept, flaky]) registry.add(x.e);
    await registry.reauthorizeAll(2);
    expect([lost.closed, kept.closed, flaky.closed]).toEqual([[[4403, 'access revoked']], [], []]);
    registry.stop();
  });
});
