import { describe, expect, it } from 'vitest';
import { signConnectToken, verifyConnectToken } from './connect-token.js';

const key = 'k'.repeat(40);
const claims = {
  userId: 'u1',
  documentId: 'd1',
  role: 'editor' as const,
  credentialId: 't1',
  ttlSeconds: 60,
};

describe('connect tokens', () => {
  it('round-trips the claims until expiry', () => {
    const now = new Date('2026-11-26T10:00:00Z');
    const { token, expiresAt } = signConnectToken(claims, key, now);
    expect(expiresAt.toISOString()).toBe('2026-11-26T10:01:00.000Z');
    expect(verifyConnectToken(token, key, now)).toEqual({
      userId: 'u1',
      documentId: 'd1',
      role: 'editor',
      credentialId: 't1',
      exp: expiresAt.getTime() / 1000,
    });
    expect(verifyConnectToken(token, key, new Date('2026-11-26T10:01:00Z'))).toBeUndefined();
  });

  it('rejects another key, tampering and garbage', () => {
    const { token } = signConnectToken(claims, key);
    expect(verifyConnectToken(token, 'x'.repeat(40))).toBeUndefined();
    const [prefix, body, sig] = token.split('.');
    const forged = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(body ?? '', 'base64url').toString()), role: 'owner' }),
    ).toString('base64url');
    expect(verifyConnectToken(`${prefix}.${forged}.${sig}`, key)).toBeUndefined();
    // Genuinely signed, but naming no minting credential: it could not be revoked, so it is refused.
    expect(
      verifyConnectToken(signConnectToken({ ...claims, credentialId: '' }, key).token, key),
    ).toBeUndefined();
    for (const bad of ['', 'fct1', 'fct1..', 'fct1.e30.', `folio_${'a'.repeat(50)}`, 'a.b.c.d']) {
      expect(verifyConnectToken(bad, key)).toBeUndefined();
    }
  });
});
