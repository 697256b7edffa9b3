import { checkCommon, commonEnv, withPublicUrls } from '@folio/shared/config';
import { z } from 'zod';

export const workerConfigSchema = z
  .object({
    ...commonEnv,
    /** Lane jobs (webhook deliveries) run at once by one worker process. */
    WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(16),
  })
  .superRefine(checkCommon)
  .transform(withPublicUrls);

export type WorkerConfig = z.output<typeof workerConfigSchema>;
