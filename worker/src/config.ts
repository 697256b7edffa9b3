import { checkCommon, commonEnv, withPublicUrls } from '@folio/shared/config';
import { z } from 'zod';

export const workerConfigSchema = z
  .object({
    ...commonEnv,
    /** Lane jobs (webhook deliveries) run at once by one worker process. */
    WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(16),
    /**
     * Port of /healthz, /readyz and /metrics (for Kubernetes probes and Prometheus). Unset:
     * no listener, so any number of workers can run on one machine without a port each.
     */
    WORKER_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  })
  .superRefine(checkCommon)
  .transform(withPublicUrls);

export type WorkerConfig = z.output<typeof workerConfigSchema>;
