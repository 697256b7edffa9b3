import { emailSchema } from '@folio/shared';
import { z } from '@hono/zod-openapi';
import { id, pathId, timestamp } from '../http/openapi.js';

export const ErasureIdParam = z.object({ id: pathId('id') });
export const ExportUserParam = z.object({ userId: pathId('userId') });

export const ErasureCreate = z
  .union(
    [
      z.strictObject({ email: emailSchema }),
      z.strictObject({
        userId: id,
      }),
    ],
    { error: 'give exactly one of email or userId' },
  )
  .openapi('ErasureCreate');

const status = z.enum(['pending', 'running', 'done', 'failed']);

export const ErasureAccepted = z.object({ id: z.string(), status }).openapi('ErasureAccepted');

export const ErasureReport = z
  .object({
    userId: z.string(),
    erasedAt: timestamp,
    documentsDeleted: z.number().int(),
    documentsRetained: z.number().int(),
    documentsMoved: z.number().int(),
    ownersPromoted: z.number().int(),
    permissionsRemoved: z.number().int(),
    membershipsRemoved: z.number().int(),
    workspaceAdminsPromoted: z.number().int(),
    workspacesDeleted: z.number().int(),
    apiTokensDeleted: z.number().int(),
    sessionsDeleted: z.number().int(),
    invitationsDeleted: z.number().int(),
    redisKeysDeleted: z.number().int().nullable(),
  })
  .openapi('ErasureReport', { description: 'Ids and counts only: what the erasure did.' });

export const Erasure = z
  .object({
    id: z.string(),
    userId: z.string(),
    status,
    report: ErasureReport.nullable(),
    error: z.string().nullable(),
    createdAt: timestamp,
    startedAt: timestamp.nullable(),
    finishedAt: timestamp.nullable(),
  })
  .openapi('Erasure');

const record = z.record(z.string(), z.unknown());

export const UserExport = z
  .object({
    exportedAt: timestamp,
    profile: z.object({
      id: z.string(),
      email: z.string().nullable(),
      name: z.string(),
      role: z.string(),
      oidc: z.object({ issuer: z.string(), subject: z.string().nullable() }).nullable(),
      createdAt: timestamp,
      updatedAt: timestamp,
      erasedAt: timestamp.nullable(),
    }),
    memberships: z.array(record),
    invitations: z.array(record).openapi({ description: 'Workspace invitations addressed to the user' }),
    permissions: z.array(record),
    documents: z.array(
      z.object({
        id: z.string(),
        title: z.string(),
        workspaceId: z.string(),
        createdBy: z.string().nullable(),
        createdAt: timestamp,
        updatedAt: timestamp,
        content: z.object({ text: z.string(), json: record }),
      }),
    ),
    apiTokens: z.array(record),
    sessions: z.array(record),
    auditEntries: z.array(record),
    truncated: z.object({ documents: z.boolean(), auditEntries: z.boolean() }),
  })
  .openapi('UserExport');
