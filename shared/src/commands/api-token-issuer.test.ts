import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildUser } from '../testing/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../testing/index.js';
import { API_TOKEN_PREFIX, apiTokenIssuer, authenticateApiToken, hashToken } from './api-token-issuer.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.drop());

describe('apiTokenIssuer and authenticateApiToken', () => {
  it('stores only the hash, audits the issue, and authenticates the secret as its user', async () => {
    const user = await buildUser(t.db, { name: 'Ada' });
    const issued = await apiTokenIssuer(t.db, {
      userId: user.id,
      scopes: ['read'],
      name: 'ci',
      actorId: user.id,
      agent: 'helper-bot',
    });
    expect(issued.token.startsWith(API_TOKEN_PREFIX)).toBe(true);
    const row = await t.db
      .selectFrom('api_tokens')
      .selectAll()
      .where('id', '=', issued.record.id)
      .executeTakeFirstOrThrow();
    expect(Buffer.from(row.token_hash).equals(hashToken(issued.token))).toBe(true);
    expect(JSON.stringify(row)).not.toContain(issued.token.slice(API_TOKEN_PREFIX.length));
    const principal = await authenticateApiToken(t.db, issued.token);
    expect(principal).toMatchObject({
      userId: user.id,
      scopes: ['read'],
      tokenId: issued.record.id,
      name: 'Ada',
      agent: 'helper-bot',
      expiresAt: null,
    });
    const audit = await t.db
      .selectFrom('audit_events')
      .select(['action', 'details'])
      .where('action', '=', 'token.create')
      .where('actor_id', '=', user.id)
      .execute();
    expect(audit).toEqual([
      {
        action: 'token.create',
        details: { tokenId: issued.record.id, userId: user.id, scopes: ['read'], agent: 'helper-bot' },
      },
    ]);
  });

  it('refuses a token beyond maxLive, and authenticates nothing unknown, expired or not ours', async () => {
    const user = await buildUser(t.db);
    await apiTokenIssuer(t.db, { userId: user.id, scopes: ['read'], actorId: null, maxLive: 1 });
    await expect(
      apiTokenIssuer(t.db, { userId: user.id, scopes: ['read'], actorId: null, maxLive: 1 }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    const expired = await apiTokenIssuer(t.db, {
      userId: user.id,
      scopes: ['read'],
      actorId: null,
      expiresAt: new Date(Date.now() - 1000),
    });
    expect(await authenticateApiToken(t.db, expired.token)).toBeUndefined();
    expect(await authenticateApiToken(t.db, `${API_TOKEN_PREFIX}not-a-real-one`)).toBeUndefined();
    expect(await authenticateApiToken(t.db, 'Bearer something else')).toBeUndefined();
  });
});
