import { z } from '@hono/zod-openapi';
import { id } from '../http/openapi.js';

export const SearchQuery = z.object({
  q: z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(256)
    // Postgres text cannot hold NUL: refuse it here rather than fail in the query.
    .refine((q) => !q.includes('\u0000'), 'must not contain NUL characters')
    .openapi({ description: 'Web-search syntax: "a phrase", either or other, -excluded' }),
  workspaceId: id.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

export const SearchResults = z
  .object({
    items: z.array(
      z.object({
        documentId: z.string(),
        title: z.string(),
        snippet: z.string().openapi({
          description: 'Plain text, HTML-escaped, with each match wrapped in <mark>…</mark>',
        }),
        rank: z.number(),
      }),
    ),
  })
  .openapi('SearchResults');
