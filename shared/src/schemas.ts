import { z } from 'zod';

/** Input shapes shared by the API, the CLI and the collaboration server. */
export const instanceRoleSchema = z.enum(['member', 'admin', 'compliance']);
export const scopeSchema = z.enum(['read', 'write', 'admin']);
export const workspaceRoleSchema = z.enum(['admin', 'member']);
export const documentRoleSchema = z.enum(['owner', 'editor', 'viewer']);

export const emailSchema = z.string().trim().toLowerCase().max(320).pipe(z.email());
export const nameSchema = z.string().trim().max(200);

/** `read,write` → ['read', 'write'], de-duplicated, in canonical order. */
export const scopeListSchema = z
  .string()
  .transform((text) =>
    text
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  )
  .pipe(z.array(scopeSchema).min(1, 'at least one scope'))
  .transform((scopes) => (['read', 'write', 'admin'] as const).filter((s) => scopes.includes(s)));

/** Webhook event types (contract, "Webhooks"); `*` subscribes to all of them. */
export const webhookEventTypes = [
  'document.created',
  'document.updated',
  'document.deleted',
  'permission.granted',
  'permission.revoked',
  'document.restored',
  'gdpr.erasure.completed',
] as const;
export type WebhookEventType = (typeof webhookEventTypes)[number];
export const webhookEventSchema = z.enum([...webhookEventTypes, '*']);
