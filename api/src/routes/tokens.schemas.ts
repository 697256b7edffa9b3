import { scopeSchema } from '@folio/shared';
import { z } from '@hono/zod-openapi';
import { pathId, timestamp } from '../http/openapi.js';

export const TokenIdParam = z.object({ id: pathId('id') });

export const TokenCreate = z
  .strictObject({
    name: z.string().trim().max(200).optional(),
    scopes: z.array(scopeSchema).min(1).max(3).optional().openapi({ description: 'default: read, write' }),
    agent: z
      .string()
      .trim()
      .min(1)
      .max(100)
      .optional()
      .openapi({
        description:
          'makes an agent token: software acting for the user, shown with this label in attribution, ' +
          'audit details, diffs and the document awareness while it writes',
      }),
    expiresAt: z.iso
      .datetime({ offset: true })
      .optional()
      .openapi({
        description:
          'default: the expiry of the credential making the request (none for a token without one); ' +
          'a later time than that is a 400',
      }),
  })
  .openapi('TokenCreate');

export const Token = z
  .object({
    id: z.string(),
    name: z.string(),
    scopes: z.array(scopeSchema),
    agent: z.string().nullable().openapi({ description: 'the agent label of an agent token' }),
    createdAt: timestamp,
    lastUsedAt: timestamp.nullable(),
    expiresAt: timestamp.nullable(),
    revokedAt: timestamp.nullable(),
  })
  .openapi('Token');

export const CreatedToken = Token.extend({
  token: z.string().openapi({ description: 'The secret; shown only in this response.' }),
}).openapi('CreatedToken');

export const TokenList = z.object({ items: z.array(Token) }).openapi('TokenList');
