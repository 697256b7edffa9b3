import { z } from '@hono/zod-openapi';
import { timestamp } from '../http/openapi.js';

const diffEnd = z
  .string()
  .trim()
  .min(1)
  .max(4_096)
  .openapi({ description: 'a content ETag, a version id, an ISO time, or live' });

export const DiffQuery = z.object({ from: diffEnd, to: diffEnd.optional() });

export const DiffResult = z
  .object({
    changes: z.array(
      z.object({
        op: z.enum(['insert', 'delete']),
        text: z.string(),
        actorId: z.string().nullable(),
        agent: z.string().nullable().openapi({ description: 'the agent label, for an agent token' }),
        at: timestamp.openapi({ description: 'when the edit was made (its transaction began)' }),
      }),
    ),
  })
  .openapi('DiffResult');
