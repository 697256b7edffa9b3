import type { CollabBus } from '../collab-bus.js';
import { revokeWorkspaceAgentToken } from '../db/repositories/api-tokens.js';
import { appendAuditEvent } from '../db/repositories/audit.js';
import { type Handle, inTransaction } from '../db/repositories/handle.js';
import { FolioError } from '../errors.js';

/**
 * A workspace admin revokes an agent token of one of the workspace's members (software
 * acting in their workspace). Anything else — a token of someone outside, a token that
 * is no agent token, one already revoked — is "not found".
 */
export async function workspaceAgentTokenRevoker(
  db: Handle,
  input: { workspaceId: string; tokenId: string; actorId: string },
  bus?: CollabBus,
): Promise<void> {
  const userId = await inTransaction(db, async (trx) => {
    const owner = await revokeWorkspaceAgentToken(trx, input.workspaceId, input.tokenId);
    if (!owner) throw new FolioError('NOT_FOUND', 'agent token not found');
    await appendAuditEvent(trx, {
      actorId: input.actorId,
      action: 'token.revoke',
      workspaceId: input.workspaceId,
      details: { tokenId: input.tokenId, userId: owner, workspaceId: input.workspaceId },
    });
    return owner;
  });
  await bus?.publish({ type: 'revoke', userId, tokenId: input.tokenId });
}
