/**
 * Test support: a real OpenID provider (`oidc-provider`) on loopback, a cookie jar, and a
 * headless stand-in for a browser that signs in through the provider's development login
 * and consent forms. Used by the API's OIDC tests and by the end-to-end tests. A subpath
 * of its own (`@folio/shared/testing/oidc`), so that nothing else loads oidc-provider.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

/** Cookies by name, from Set-Cookie headers; a cleared or expired cookie is dropped. */
export class CookieJar {
  private readonly cookies = new Map<string, string>();
  take(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      const value = pair.slice(eq + 1);
      if (value === '' || /max-age=0|expires=thu, 01 jan 1970/i.test(line))
        this.cookies.delete(pair.slice(0, eq));
      else this.cookies.set(pair.slice(0, eq), value);
    }
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  get(name: string): string | undefined {
    return this.cookies.get(name);
  }
}

export interface OidcTestProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  close(): Promise<void>;
}

/** The claims of a provider account; by default `<id>@example.com`, verified, named by its id. */
export type AccountClaims = (id: string) => Record<string, unknown>;

export const defaultAccountClaims =
  (names: Record<string, string> = {}): AccountClaims =>
  (id) => ({ sub: id, email: `${id}@example.com`, email_verified: true, name: names[id] ?? id });

/** A provider on a free loopback port with one confidential client redirecting to `redirectUri`. */
export async function startOidcProvider(options: {
  redirectUri: string;
  clientId?: string;
  clientSecret?: string;
  claims?: AccountClaims;
}): Promise<OidcTestProvider> {
  const server: Server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clientId = options.clientId ?? 'folio';
  const clientSecret = options.clientSecret ?? 'folio-client-secret';
  const claims = options.claims ?? defaultAccountClaims();
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [options.redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    findAccount: (_ctx, id) => ({ accountId: id, claims: () => ({ sub: id, ...claims(id) }) }),
    cookies: { keys: ['oidc-test-cookie-key'] },
  });
  server.on('request', provider.callback());
  return {
    issuer,
    clientId,
    clientSecret,
    close: () => new Promise((done) => server.close(() => done())),
  };
}

/**
 * Follows the provider's redirects from `start` (where the API's /auth/login sent the
 * browser), answering its login form as `account` (any password) and its consent form,
 * until a redirect leaves the issuer: returns that URL, the API's callback.
 */
export async function signInAtProvider(start: URL, account: string): Promise<URL> {
  const jar = new CookieJar();
  let url = start;
  for (let step = 0; step < 20 && url.origin === start.origin; step++) {
    let response = await fetch(url, { redirect: 'manual', headers: { cookie: jar.header() } });
    jar.take(response);
    if (response.status === 200) {
      // A development interaction form: login first, then consent.
      const html = await response.text();
      const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
      const prompt = /name="prompt" value="(\w+)"/.exec(html)?.[1] ?? '';
      if (!action) throw new Error(`no form at ${url}: ${html.slice(0, 200)}`);
      const form = new URLSearchParams({ prompt });
      if (prompt === 'login') {
        form.set('login', account);
        form.set('password', 'any');
      }
      response = await fetch(new URL(action, url), {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' },
        body: form,
      });
      jar.take(response);
    }
    if (response.status !== 302 && response.status !== 303) {
      throw new Error(`the provider answered ${response.status} at ${url}`);
    }
    url = new URL(response.headers.get('location') ?? '', url);
  }
  return url;
}
