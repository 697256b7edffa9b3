import { z } from '@hono/zod-openapi';
import { id, timestamp } from '../http/openapi.js';

export const AuditQuery = z.object({
  documentId: id.optional(),
  actorId: id.optional(),
  action: z
    .string()
    .max(64)
    .regex(/^[a-z]+(\.[a-z_]+)+$/, 'must be an action such as document.update')
    .optional(),
  since: z.iso.datetime({ offset: true }).optional().openapi({ description: 'inclusive' }),
  until: z.iso.datetime({ offset: true }).optional().openapi({ description: 'exclusive' }),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().max(200).optional(),
});

export const AuditEntry = z
  .object({
    id: z.string(),
    at: timestamp,
    actorId: z.string().nullable(),
    action: z.string(),
    documentId: z.string().nullable(),
    details: z.record(z.string(), z.unknown()),
  })
  .openapi('AuditEntry');

export const AuditList = z
  .object({ items: z.array(AuditEntry), nextCursor: z.string().nullable() })
  .openapi('AuditList');

export const AuditVerification = z
  .object({
    ok: z.boolean(),
    count: z.number().int(),
    brokenAt: z.string().optional().openapi({ description: 'The first entry that does not verify' }),
  })
  .openapi('AuditVerification');
