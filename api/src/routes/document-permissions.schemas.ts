import { documentRoleSchema } from '@folio/shared';
import { z } from '@hono/zod-openapi';
import { pathId, timestamp } from '../http/openapi.js';

export const DocumentUserParams = z.object({ id: pathId('id'), userId: pathId('userId') });

export const PermissionSet = z.strictObject({ role: documentRoleSchema }).openapi('PermissionSet');

export const Permission = z
  .object({
    userId: z.string(),
    role: documentRoleSchema,
    email: z.string().nullable().optional(),
    name: z.string().optional(),
    createdAt: timestamp.optional(),
  })
  .openapi('Permission');

export const PermissionList = z.object({ items: z.array(Permission) }).openapi('PermissionList');
