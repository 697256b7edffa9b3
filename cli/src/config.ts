import { commonEnv, logLevel } from '@folio/shared/config';
import { z } from 'zod';

/**
 * The admin CLI's environment: what every process shares, with a quieter default log
 * level — a command's output is its answer, and log lines go to stderr only when asked
 * for (`LOG_LEVEL=info`).
 */
export const cliConfigSchema = z.object({
  ...commonEnv,
  LOG_LEVEL: logLevel.unwrap().default('warn'),
});
