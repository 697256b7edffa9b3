import { z } from '@hono/zod-openapi';

/**
 * What every route's request and response shapes share: ids, timestamps, the problem
 * body and the helpers that describe responses in /openapi.json. The resources' own
 * shapes live beside their routes (`routes/<route>.schemas.ts`). The same schemas
 * validate requests, type the handlers' responses and generate /openapi.json; request
 * bodies are strict: unknown fields are a 400 naming the field.
 */

/** An id in a body or a query string: what `newId()` makes and nothing else. */
export const id = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[\w-]+$/, 'must be an id');

/** An id in the path, named for the OpenAPI document. */
export const pathId = (name: string) =>
  id.openapi({ param: { name, in: 'path' }, example: '0192f1a0-7d2c-7c4e-9a5b-3f1e2d4c5b6a' });

export const timestamp = z.string().openapi({ format: 'date-time' });

export const Problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    field: z.string().optional(),
    requestId: z.string().optional(),
  })
  .openapi('Problem');

/** Standard error responses, for the OpenAPI document. */
export const errors = (...statuses: number[]) =>
  Object.fromEntries(
    statuses.map((status) => [
      status,
      { description: 'problem', content: { 'application/problem+json': { schema: Problem } } },
    ]),
  );

export const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});
