import { randomBytes } from 'node:crypto';
import { appendAuditEvent } from '../db/repositories/audit.js';
import { type Handle, inTransaction } from '../db/repositories/handle.js';
import { countWebhooks, insertWebhook, MAX_WEBHOOKS_PER_WORKSPACE } from '../db/repositories/webhooks.js';
import type { WebhookRow } from '../db/schema.js';
import { FolioError } from '../errors.js';
import { newId } from '../ids.js';
import { checkWebhookTarget } from '../webhooks/target.js';

/** A Standard Webhooks secret: `whsec_` and 32 random bytes in base64. */
export const newWebhookSecret = () => `whsec_${randomBytes(32).toString('base64')}`;

/**
 * Registers an endpoint for a workspace's events. The target is checked against SSRF
 * first (400 naming `url`); the secret is returned once, here.
 */
export async function webhookRegistrar(
  db: Handle,
  input: {
    workspaceId: string;
    url: string;
    events: string[];
    description?: string | undefined;
    actorId: string;
    allowPrivateTargets: boolean;
  },
): Promise<WebhookRow> {
  const url = await checkWebhookTarget(input.url, { allowPrivate: input.allowPrivateTargets });
  const events = [...new Set(input.events)].sort();
  return inTransaction(db, async (trx) => {
    if ((await countWebhooks(trx, input.workspaceId)) >= MAX_WEBHOOKS_PER_WORKSPACE) {
      throw new FolioError('CONFLICT', `a workspace has at most ${MAX_WEBHOOKS_PER_WORKSPACE} webhooks`);
    }
    const webhook = await insertWebhook(trx, {
      id: newId(),
      workspaceId: input.workspaceId,
      url: url.toString(),
      events,
      description: input.description ?? null,
      secret: newWebhookSecret(),
      createdBy: input.actorId,
    });
    await appendAuditEvent(trx, {
      actorId: input.actorId,
      action: 'webhook.create',
      workspaceId: input.workspaceId,
      details: { webhookId: webhook.id, events },
    });
    return webhook;
  });
}
