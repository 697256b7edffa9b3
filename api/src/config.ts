import { checkCommon, commonEnv, withPublicUrls } from '@folio/shared/config';
import { z } from 'zod';
import { insecureIssuerProblem } from './oidc/loopback.js';

export const apiConfigSchema = z
  .object({
    ...commonEnv,
    OIDC_ISSUER: z.url().optional(),
    OIDC_CLIENT_ID: z.string().optional(),
    OIDC_CLIENT_SECRET: z.string().optional(),
    /** Largest request body; bigger ones get 413. */
    MAX_BODY_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .default(4 * 1024 * 1024),
    /** Requests per user per minute, over all their tokens and sessions and every API instance. */
    RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(600),
    /** Live (unrevoked, unexpired) API tokens one user may hold; minting beyond is a 409. */
    MAX_API_TOKENS_PER_USER: z.coerce.number().int().min(1).max(100_000).default(100),
  })
  .superRefine((config, ctx) => {
    checkCommon(config, ctx);
    const issuerProblem = config.OIDC_ISSUER ? insecureIssuerProblem(config.OIDC_ISSUER) : undefined;
    if (issuerProblem) ctx.addIssue({ code: 'custom', path: ['OIDC_ISSUER'], message: issuerProblem });
    const oidc = [config.OIDC_ISSUER, config.OIDC_CLIENT_ID, config.OIDC_CLIENT_SECRET];
    if (oidc.some(Boolean) && !oidc.every(Boolean)) {
      ctx.addIssue({
        code: 'custom',
        path: ['OIDC_ISSUER'],
        message: 'OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET go together',
      });
    }
  })
  .transform(withPublicUrls);

export type ApiConfig = z.output<typeof apiConfigSchema>;
