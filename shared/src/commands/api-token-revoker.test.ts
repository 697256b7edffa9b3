import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CollabEvent, createCollabBus } from '../collab-bus.js';
import { createLogger } from '../logger.js';
import { buildApiToken, buildUser } from '../testing/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../testing/index.js';
import { authenticateApiToken } from './api-token-issuer.js';
import { apiTokenRevoker } from './api-token-revoker.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.drop());

describe('apiTokenRevoker', () => {
  it("revokes the user's own token, ends its WebSockets, and not someone else's", async () => {
    const user = await buildUser(t.db);
    const other = await buildUser(t.db);
    const { token, record } = await buildApiToken(t.db, user);
    await expect(
      apiTokenRevoker(t.db, { userId: other.id, tokenId: record.id, actorId: other.id }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const bus = createCollabBus({ prefix: 'test:', log: createLogger({ level: 'silent', name: 'test' }) });
    const seen: CollabEvent[] = [];
    await bus.subscribe((e) => seen.push(e));
    await apiTokenRevoker(t.db, { userId: user.id, tokenId: record.id, actorId: user.id }, bus);
    await new Promise((r) => setImmediate(r));
    expect(seen).toEqual([{ type: 'revoke', userId: user.id, tokenId: record.id }]);
    expect(await authenticateApiToken(t.db, token)).toBeUndefined();
  });
});
