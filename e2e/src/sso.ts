import {
  CookieJar,
  defaultAccountClaims,
  signInAtProvider,
  startOidcProvider,
} from '@folio/shared/testing/oidc';

/**
 * Single sign-on for end-to-end tests: the shared test provider (`@folio/shared/testing/oidc`)
 * and a sign-in that goes through a running API process over HTTP.
 */

export { CookieJar, type OidcTestProvider } from '@folio/shared/testing/oidc';

export function startE2eOidcProvider(redirectUri: string, names: Record<string, string>) {
  return startOidcProvider({
    redirectUri,
    clientId: 'folio-e2e',
    clientSecret: 'folio-e2e-client-secret',
    claims: defaultAccountClaims(names),
  });
}

/** Signs `account` in at the API's /auth/login; returns the API cookie jar with the session. */
export async function signIn(apiUrl: string, issuer: string, account: string): Promise<CookieJar> {
  const apiJar = new CookieJar();
  const login = await fetch(`${apiUrl}/auth/login`, { redirect: 'manual' });
  apiJar.take(login);
  const start = new URL(login.headers.get('location') ?? '', apiUrl);
  if (start.origin !== issuer) throw new Error(`login sent the browser to ${start}, not ${issuer}`);
  const url = await signInAtProvider(start, account);
  if (!url.href.startsWith(`${apiUrl}/auth/callback`)) throw new Error(`sign-in ended at ${url}`);
  const callback = await fetch(url, { redirect: 'manual', headers: { cookie: apiJar.header() } });
  if (callback.status !== 302)
    throw new Error(`callback answered ${callback.status}: ${await callback.text()}`);
  apiJar.take(callback);
  return apiJar;
}
