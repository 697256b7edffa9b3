import { SEARCH_LANGUAGES, workspaceRoleSchema } from '@folio/shared';
import { z } from '@hono/zod-openapi';
import { pathId, timestamp } from '../http/openapi.js';

export const WorkspaceIdParam = z.object({ id: pathId('id') });
export const WorkspaceUserParams = z.object({ id: pathId('id'), userId: pathId('userId') });

const workspaceName = z.string().trim().min(1).max(200);
const searchLanguage = z.enum(SEARCH_LANGUAGES).openapi({
  description:
    'Text search configuration of the workspace: the language whose stemming and stop words search uses; `simple` (lowercase words, no stemming) for mixed-language workspaces.',
  example: 'english',
});

export const WorkspaceCreate = z
  .strictObject({ name: workspaceName, searchLanguage: searchLanguage.optional() })
  .openapi('WorkspaceCreate', { description: '`searchLanguage` defaults to `english`.' });

export const WorkspacePatch = z
  .strictObject({ name: workspaceName.optional(), searchLanguage: searchLanguage.optional() })
  .refine((b) => b.name !== undefined || b.searchLanguage !== undefined, {
    message: 'name or searchLanguage is required',
  })
  .openapi('WorkspacePatch');

export const Workspace = z
  .object({
    id: z.string(),
    name: z.string(),
    personal: z.boolean(),
    role: workspaceRoleSchema
      .nullable()
      .openapi({ description: "The caller's role; null for instance admins who are not members" }),
    searchLanguage,
    searchReindexing: z.boolean().openapi({
      description:
        'True while existing documents are being reindexed after a searchLanguage change (a background job); search stays correct meanwhile, each document matched with the language it was indexed with.',
    }),
    createdAt: timestamp,
  })
  .openapi('Workspace');

export const WorkspaceList = z.object({ items: z.array(Workspace) }).openapi('WorkspaceList');

export const MemberSet = z.strictObject({ role: workspaceRoleSchema }).openapi('MemberSet');

export const Member = z
  .object({
    workspaceId: z.string(),
    userId: z.string(),
    role: workspaceRoleSchema,
    email: z.string().nullable().optional(),
    name: z.string().optional(),
  })
  .openapi('Member');

export const MemberList = z.object({ items: z.array(Member) }).openapi('MemberList');

export const Invited = z
  .object({
    status: z.literal('invited'),
    invitationId: z.string(),
  })
  .openapi('Invited', {
    description:
      'The user was invited: they join when they accept (GET /v1/invitations). Until then the workspace sees nothing of them. An id that names nobody is answered alike.',
  });
