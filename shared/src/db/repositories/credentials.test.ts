import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiTokenIssuer } from '../../commands/api-token-issuer.js';
import { apiTokenRevoker } from '../../commands/api-token-revoker.js';
import { sessionStarter } from '../../commands/sessions.js';
import { buildApiToken, buildUser } from '../../testing/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../../testing/index.js';
import { findUserOfLiveCredential } from './credentials.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.drop());

describe('findUserOfLiveCredential', () => {
  it('finds the user only through a live credential of their own', async () => {
    const user = await buildUser(t.db, { name: 'Live' });
    const other = await buildUser(t.db);
    const { record } = await buildApiToken(t.db, user);
    const { sessionId } = await sessionStarter(t.db, { userId: user.id });
    expect(await findUserOfLiveCredential(t.db, user.id, record.id)).toEqual({
      id: user.id,
      name: 'Live',
      role: 'member',
      agent: null,
    });
    expect(await findUserOfLiveCredential(t.db, user.id, sessionId)).toMatchObject({
      id: user.id,
      agent: null,
    });
    // An agent token names its agent.
    const agent = await apiTokenIssuer(t.db, {
      userId: user.id,
      scopes: ['read'],
      actorId: null,
      agent: 'Bot',
    });
    expect(await findUserOfLiveCredential(t.db, user.id, agent.record.id)).toMatchObject({ agent: 'Bot' });
    // Someone else's credential does not vouch for this user; an unknown id for nobody.
    expect(await findUserOfLiveCredential(t.db, other.id, record.id)).toBeUndefined();
    expect(await findUserOfLiveCredential(t.db, other.id, sessionId)).toBeUndefined();
    expect(await findUserOfLiveCredential(t.db, user.id, 'no-such-credential')).toBeUndefined();
    // Expired.
    const later = new Date(Date.now() + 8 * 24 * 60 * 60 * 1000);
    expect(await findUserOfLiveCredential(t.db, user.id, sessionId, later)).toBeUndefined();
    await t.db
      .updateTable('api_tokens')
      .set({ expires_at: new Date(Date.now() - 1) })
      .where('id', '=', record.id)
      .execute();
    expect(await findUserOfLiveCredential(t.db, user.id, record.id)).toBeUndefined();
    // Revoked.
    const second = await buildApiToken(t.db, user);
    await apiTokenRevoker(t.db, { userId: user.id, tokenId: second.record.id, actorId: user.id });
    expect(await findUserOfLiveCredential(t.db, user.id, second.record.id)).toBeUndefined();
    // Erased.
    await t.db.updateTable('users').set({ erased_at: new Date() }).where('id', '=', user.id).execute();
    expect(await findUserOfLiveCredential(t.db, user.id, sessionId)).toBeUndefined();
  });
});
