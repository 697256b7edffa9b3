import { checkCommon, commonEnv, port } from '@folio/shared/config';
import { z } from 'zod';

const bytes = (fallback: number) => z.coerce.number().int().min(1024).default(fallback);

export const collabConfigSchema = z
  .object({
    ...commonEnv,
    COLLAB_PORT: port(1234),
    /** Largest WebSocket frame accepted; bigger ones close the connection with 1009. */
    MAX_FRAME_BYTES: bytes(2 * 1024 * 1024),
    /** Largest encoded document state; updates that would grow a document past it are refused. */
    MAX_DOCUMENT_BYTES: bytes(32 * 1024 * 1024),
    /** Comma-separated origins allowed to open WebSockets; unset → any (the token is the credential). */
    ALLOWED_ORIGINS: z
      .string()
      .transform((s) =>
        s
          .split(',')
          .map((o) => o.trim())
          .filter(Boolean),
      )
      .optional(),
  })
  .superRefine(checkCommon);

export type CollabConfig = z.output<typeof collabConfigSchema>;
