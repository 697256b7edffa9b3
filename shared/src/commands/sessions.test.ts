import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CollabEvent, createCollabBus } from '../collab-bus.js';
import { findUserOfLiveCredential } from '../db/repositories/credentials.js';
import { createLogger } from '../logger.js';
import { buildUser } from '../testing/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../testing/index.js';
import { authenticateSession, SESSION_TTL_MS, sessionEnder, sessionStarter } from './sessions.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.drop());

describe('sessions', () => {
  it('authenticates by the secret, stores only its hash, expires and ends', async () => {
    const user = await buildUser(t.db);
    const { secret } = await sessionStarter(t.db, { userId: user.id, userAgent: 'test' });
    expect(await authenticateSession(t.db, secret)).toMatchObject({ userId: user.id, role: 'member' });
    const rows = await t.db.selectFrom('sessions').select('id_hash').where('user_id', '=', user.id).execute();
    expect(Buffer.from(rows[0]?.id_hash ?? []).toString('latin1')).not.toContain(secret);
    expect(await authenticateSession(t.db, `${secret.slice(0, -1)}x`)).toBeUndefined();
    expect(
      await authenticateSession(t.db, secret, new Date(Date.now() + SESSION_TTL_MS + 1000)),
    ).toBeUndefined();
    expect(await sessionEnder(t.db, secret)).toBe(true);
    expect(await authenticateSession(t.db, secret)).toBeUndefined();
  });

  it('ends with the user’s erasure', async () => {
    const user = await buildUser(t.db);
    const { secret } = await sessionStarter(t.db, { userId: user.id });
    await t.db.updateTable('users').set({ erased_at: new Date() }).where('id', '=', user.id).execute();
    expect(await authenticateSession(t.db, secret)).toBeUndefined();
  });

  it('has a public id apart from its hash; ending it revokes what it minted', async () => {
    const user = await buildUser(t.db);
    const { secret, sessionId } = await sessionStarter(t.db, { userId: user.id });
    const principal = await authenticateSession(t.db, secret);
    expect(principal?.sessionId).toBe(sessionId);
    expect(sessionId).not.toBe(principal?.sessionKey);
    expect(await findUserOfLiveCredential(t.db, user.id, sessionId)).toMatchObject({ id: user.id });
    const seen: CollabEvent[] = [];
    const bus = createCollabBus({ prefix: 'test:', log: createLogger({ level: 'silent', name: 'test' }) });
    await bus.subscribe((event) => seen.push(event));
    expect(await sessionEnder(t.db, secret, bus)).toBe(true);
    await new Promise((done) => setImmediate(done));
    expect(seen).toEqual([{ type: 'revoke', userId: user.id, tokenId: sessionId }]);
    expect(await findUserOfLiveCredential(t.db, user.id, sessionId)).toBeUndefined();
    // Ending it again announces nothing.
    expect(await sessionEnder(t.db, secret, bus)).toBe(false);
    await new Promise((done) => setImmediate(done));
    expect(seen).toHaveLength(1);
    await bus.close();
  });
});
