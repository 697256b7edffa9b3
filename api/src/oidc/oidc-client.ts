import * as client from 'openid-client';
import { insecureIssuerProblem } from './loopback.js';

export interface OidcSettings {
  issuer: string;
  clientId: string;
  clientSecret: string;
}

/**
 * The provider's configuration, discovered on first use and kept; a failed discovery
 * is retried on the next login instead of failing start-up (the provider may come up
 * after us).
 */
export function oidcConfiguration(settings: OidcSettings): () => Promise<client.Configuration> {
  // config.ts refuses such an issuer at start-up; this keeps the client safe on its own.
  const problem = insecureIssuerProblem(settings.issuer);
  if (problem) throw new Error(`OIDC_ISSUER ${problem}`);
  const insecure = new URL(settings.issuer).protocol === 'http:';
  let pending: Promise<client.Configuration> | undefined;
  return () => {
    pending ??= client
      .discovery(
        new URL(settings.issuer),
        settings.clientId,
        undefined,
        client.ClientSecretBasic(settings.clientSecret),
        {
          timeout: 10,
          // Plain http passed the check above only for a loopback provider (development, tests).
          ...(insecure ? { execute: [client.allowInsecureRequests] } : {}),
        },
      )
      .catch((error: unknown) => {
        pending = undefined;
        throw error;
      });
    return pending;
  };
}
