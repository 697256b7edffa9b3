import { emailSchema } from '@folio/shared';
import { z } from '@hono/zod-openapi';

export const UserLookupQuery = z.strictObject({
  email: emailSchema,
});

export const UserSummary = z
  .object({ id: z.string(), email: z.string().nullable(), name: z.string() })
  .openapi('UserSummary');

export const UserList = z.object({ items: z.array(UserSummary) }).openapi('UserList');
