import type { CollabBus } from '../collab-bus.js';
import { revokeApiToken } from '../db/repositories/api-tokens.js';
import { appendAuditEvent } from '../db/repositories/audit.js';
import { type Handle, inTransaction } from '../db/repositories/handle.js';
import { FolioError } from '../errors.js';

/** Revokes one of the user's own live tokens; someone else's token is "not found". */
export async function apiTokenRevoker(
  db: Handle,
  input: { userId: string; tokenId: string; actorId: string },
  bus?: CollabBus,
): Promise<void> {
  await inTransaction(db, async (trx) => {
    if (!(await revokeApiToken(trx, input.userId, input.tokenId))) {
      throw new FolioError('NOT_FOUND', 'token not found');
    }
    await appendAuditEvent(trx, {
      actorId: input.actorId,
      action: 'token.revoke',
      details: { tokenId: input.tokenId, userId: input.userId },
    });
  });
  // WebSockets authenticated with this token end too.
  await bus?.publish({ type: 'revoke', userId: input.userId, tokenId: input.tokenId });
}
