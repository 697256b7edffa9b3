import * as client from 'openid-client';

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
          // Plain http is only ever a loopback provider in development and tests.
          ...(new URL(settings.issuer).protocol === 'http:'
            ? { execute: [client.allowInsecureRequests] }
            : {}),
        },
      )
      .catch((error: unknown) => {
        pending = undefined;
        throw error;
      });
    return pending;
  };
}
