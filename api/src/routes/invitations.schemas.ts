import { workspaceRoleSchema } from '@folio/shared';
import { z } from '@hono/zod-openapi';
import { pathId, timestamp } from '../http/openapi.js';

export const InvitationIdParam = z.object({ id: pathId('id') });

export const Invitation = z
  .object({
    id: z.string(),
    workspaceId: z.string(),
    workspaceName: z.string(),
    role: workspaceRoleSchema,
    invitedBy: z.string().nullable().openapi({ description: "The inviter's user id" }),
    createdAt: timestamp,
    expiresAt: timestamp,
  })
  .openapi('Invitation');

export const InvitationList = z.object({ items: z.array(Invitation) }).openapi('InvitationList');
