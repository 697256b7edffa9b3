import { z } from '@hono/zod-openapi';

export const ContentInput = z
  .union(
    [
      z.strictObject({
        text: z.string().max(2_000_000),
        field: z.string().min(1).max(200).optional(),
      }),
      z.strictObject({
        markdown: z.string().max(2_000_000),
        field: z.string().min(1).max(200).optional(),
      }),
    ],
    { error: 'give exactly one of text or markdown (and optionally field)' },
  )
  .openapi('ContentInput', {
    description:
      'Replaces the document text. Goes to the top-level type named `field`; by default `default`, else the first XML fragment, else the first text.',
  });

export const ContentQuery = z.object({
  format: z.enum(['text', 'json', 'yjs', 'markdown']).default('text'),
});

export const WriteResult = z
  .object({
    changed: z.boolean(),
    seq: z.number().int(),
    bytes: z.number().int(),
  })
  .openapi('WriteResult');

/** A document's (or a version's) content in the format `?format=` asks for. */
export const contentResponse = {
  description: 'the content',
  headers: z.object({
    etag: z.string().openapi({
      description: 'names the exact state shown: send it as If-Match with PUT …/content, or as a diff end',
    }),
  }),
  content: {
    'text/plain': { schema: z.string() },
    'text/markdown': { schema: z.string() },
    'application/json': { schema: z.record(z.string(), z.unknown()) },
    'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) },
  },
};

export const ContentWriteHeaders = z.object({
  'if-match': z
    .string()
    .max(4_096)
    .optional()
    .openapi({
      description:
        'an ETag from a content read: the body is merged as the change from that state (412 when it ' +
        'cannot be rebuilt); absent or `*`: the body replaces the content',
    }),
});
