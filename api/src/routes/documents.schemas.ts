import { documentRoleSchema } from '@folio/shared';
import { z } from '@hono/zod-openapi';
import { pathId, timestamp } from '../http/openapi.js';
import { ContentInput } from './document-content.schemas.js';

export const DocumentIdParam = z.object({ id: pathId('id') });

const title = z.string().trim().min(1).max(500);

export const DocumentCreate = z
  .strictObject({
    title,
    workspaceId: z.string().min(1).max(64).optional(),
    content: ContentInput.optional(),
  })
  .openapi('DocumentCreate');

export const DocumentPatch = z.strictObject({ title }).openapi('DocumentPatch');

export const Document = z
  .object({
    id: z.string(),
    title: z.string(),
    workspaceId: z.string(),
    createdAt: timestamp,
    updatedAt: timestamp,
    createdBy: z.string().nullable(),
    role: documentRoleSchema.optional().openapi({ description: "The caller's effective role" }),
  })
  .openapi('Document');

export const DocumentList = z
  .object({ items: z.array(Document), nextCursor: z.string().nullable() })
  .openapi('DocumentList');

/** Query strings are lenient about extra parameters (cache busters); JSON bodies are strict. */
export const DocumentListQuery = z.object({
  workspaceId: z.string().min(1).max(64).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});

export const ConnectToken = z
  .object({
    token: z.string(),
    expiresAt: timestamp,
    role: documentRoleSchema,
    url: z.string().openapi({ description: 'COLLAB_PUBLIC_URL: the server URL for @hocuspocus/provider' }),
    yjsUrl: z.string().openapi({
      description:
        'url + /yjs: the server URL for the stock y-websocket WebsocketProvider (room = documentName)',
    }),
    documentName: z.string(),
  })
  .openapi('ConnectToken');
