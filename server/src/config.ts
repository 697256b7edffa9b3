import { checkCommon, commonEnv, port } from '@folio/shared/config';
import { z } from 'zod';

const bytes = (fallback: number) => z.coerce.number().int().min(1024).default(fallback);

export const collabConfigSchema = z
  .object({
    ...commonEnv,
    COLLAB_PORT: port(1234),
    /** Largest WebSocket frame accepted; bigger ones close the connection with 1009. */
    MAX_FRAME_BYTES: bytes(2 * 1024 * 1024),
    /** Sustained messages per second one WebSocket may send (bursts up to 4×); more closes it with 4429. */
    MAX_MESSAGES_PER_SECOND: z.coerce.number().int().min(1).default(300),
    /** Group-commit window for update-log rows, in milliseconds. */
    COMMIT_DELAY_MS: z.coerce.number().int().min(0).max(100).default(2),
    /** Anti-entropy period: loaded documents are compared with the update log this often. */
    ANTI_ENTROPY_MS: z.coerce.number().int().min(50).default(1000),
    /** With Redis: loaded documents' state vectors are exchanged with peers this often. */
    STATE_VECTOR_EXCHANGE_MS: z.coerce.number().int().min(100).default(10_000),
    /** Every connection's access is re-checked this often (backstop for lost revocation messages). */
    REAUTHORIZE_MS: z.coerce.number().int().min(100).default(30_000),
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
