import { appendAuditEvent } from '../db/repositories/audit.js';
import { type Handle, inTransaction } from '../db/repositories/handle.js';
import { deleteWebhook, findWebhook } from '../db/repositories/webhooks.js';
import { FolioError } from '../errors.js';

/** Deletes an endpoint with its delivery log; pending deliveries are dropped. */
export async function webhookDeleter(
  db: Handle,
  input: { webhookId: string; actorId: string },
): Promise<void> {
  await inTransaction(db, async (trx) => {
    const webhook = await findWebhook(trx, input.webhookId);
    if (!webhook || !(await deleteWebhook(trx, input.webhookId))) {
      throw new FolioError('NOT_FOUND', 'webhook not found');
    }
    await appendAuditEvent(trx, {
      actorId: input.actorId,
      action: 'webhook.delete',
      workspaceId: webhook.workspace_id,
      details: { webhookId: webhook.id },
    });
  });
}
