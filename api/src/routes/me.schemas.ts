import { instanceRoleSchema } from '@folio/shared';
import { z } from '@hono/zod-openapi';

export const Me = z
  .object({
    id: z.string(),
    email: z.string().nullable(),
    name: z.string(),
    role: instanceRoleSchema,
  })
  .openapi('Me');
