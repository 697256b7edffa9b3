import { checkCommon, commonEnv, withPublicUrls } from '@folio/shared/config';
import { z } from 'zod';

const bytes = (fallback: number) => z.coerce.number().int().min(1024).default(fallback);

export const collabConfigSchema = z
  .object({
    ...commonEnv,
    /** Largest WebSocket frame accepted; bigger ones close the connection with 1009. */
    MAX_FRAME_BYTES: bytes(2 * 1024 * 1024),
    /**
     * Sustained messages per second one WebSocket is read at (bursts up to 4×); a faster
     * client is slowed down (its socket is not read until the budget refills), not cut off.
     * High enough for a client replaying or importing history, which waits for acknowledgements.
     */
    MAX_MESSAGES_PER_SECOND: z.coerce.number().int().min(1).default(20_000),
    /** Group-commit window for update-log rows, in milliseconds. */
    COMMIT_DELAY_MS: z.coerce.number().int().min(0).max(100).default(2),
    /** Anti-entropy period: loaded documents are compared with the update log this often. */
    ANTI_ENTROPY_MS: z.coerce.number().int().min(50).default(1000),
    /**
     * Uncommitted bytes of one document (applied and broadcast, commit pending) beyond
     * which its writers wait for storage before their next update is applied.
     */
    MAX_UNCOMMITTED_BYTES: bytes(8 * 1024 * 1024),
    /** The same across all documents of the process. */
    MAX_UNCOMMITTED_TOTAL_BYTES: bytes(128 * 1024 * 1024),
    /** The document.update audit summariser runs this often (entries are per document, actor and pass). */
    AUDIT_INTERVAL_MS: z.coerce.number().int().min(50).max(60_000).default(1000),
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
  .superRefine(checkCommon)
  .transform(withPublicUrls);

export type CollabConfig = z.output<typeof collabConfigSchema>;
