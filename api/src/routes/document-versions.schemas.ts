import { z } from '@hono/zod-openapi';
import { id, pathId, timestamp } from '../http/openapi.js';
import { ContentQuery, WriteResult } from './document-content.schemas.js';

export const VersionParams = z.object({ id: pathId('id'), versionId: pathId('versionId') });

export const VersionCreate = z
  .strictObject({ label: z.string().trim().max(200).optional() })
  .openapi('VersionCreate');

export const Version = z
  .object({
    id: z.string(),
    label: z.string().nullable(),
    kind: z.enum(['manual', 'auto', 'restore']),
    seq: z.number().int().openapi({ description: 'The update-log position the version covers' }),
    createdAt: timestamp,
    createdBy: z.string().nullable(),
    bytes: z.number().int(),
  })
  .openapi('Version');

export const VersionList = z.object({ items: z.array(Version) }).openapi('VersionList');

export const VersionListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export const RestoreRequest = z
  .union(
    [
      z.strictObject({
        versionId: id,
      }),
      z.strictObject({ at: z.iso.datetime({ offset: true }) }),
    ],
    { error: 'give exactly one of versionId or at' },
  )
  .openapi('RestoreRequest');

export const RestoreResult = WriteResult.extend({
  previousVersionId: z.string().openapi({ description: 'A version holding the state before the restore' }),
}).openapi('RestoreResult');

export const StateAtQuery = ContentQuery.extend({
  at: z.iso.datetime({ offset: true }).openapi({ description: 'the instant, ISO 8601 with an offset' }),
});
