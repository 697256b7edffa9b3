import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildUser, buildWorkspace, recordingBus } from '../testing/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../testing/index.js';
import { apiTokenIssuer, authenticateApiToken } from './api-token-issuer.js';
import { workspaceAgentTokenRevoker } from './workspace-agent-token-revoker.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.drop());

describe('workspaceAgentTokenRevoker', () => {
  it("revokes a member's agent token and ends its sockets; anything else is not found", async () => {
    const admin = await buildUser(t.db);
    const member = await buildUser(t.db);
    const outsider = await buildUser(t.db);
    const workspace = await buildWorkspace(t.db, admin, [member]);
    const issue = (userId: string, agent: string | null) =>
      apiTokenIssuer(t.db, { userId, scopes: ['read', 'write'], actorId: userId, agent });
    const agentToken = await issue(member.id, 'bot');
    const plainToken = await issue(member.id, null);
    const outsiderAgent = await issue(outsider.id, 'bot');
    for (const tokenId of [plainToken.record.id, outsiderAgent.record.id, 'no-such-token']) {
      await expect(
        workspaceAgentTokenRevoker(t.db, { workspaceId: workspace.id, tokenId, actorId: admin.id }),
      ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    }
    const { bus, seen, settle } = recordingBus();
    await workspaceAgentTokenRevoker(
      t.db,
      { workspaceId: workspace.id, tokenId: agentToken.record.id, actorId: admin.id },
      bus,
    );
    await settle();
    expect(seen).toEqual([{ type: 'revoke', userId: member.id, tokenId: agentToken.record.id }]);
    expect(await authenticateApiToken(t.db, agentToken.token)).toBeUndefined();
    expect(await authenticateApiToken(t.db, plainToken.token)).toBeDefined();
    const audit = await t.db
      .selectFrom('audit_events')
      .select('details')
      .where('workspace_id', '=', workspace.id)
      .where('action', '=', 'token.revoke')
      .execute();
    expect(audit).toEqual([
      { details: { tokenId: agentToken.record.id, userId: member.id, workspaceId: workspace.id } },
    ]);
  });
});
