import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

/**
 * A real OpenID provider (`oidc-provider`) on loopback, and a headless browser stand-in
 * that signs in through its development login and consent forms with a cookie jar.
 */

export class CookieJar {
  private readonly cookies = new Map<string, string>();
  take(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      const value = pair.slice(eq + 1);
      if (value === '' || /max-age=0/i.test(line)) this.cookies.delete(pair.slice(0, eq));
      else this.cookies.set(pair.slice(0, eq), value);
    }
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

export interface OidcTestProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  close(): Promise<void>;
}

export async function startOidcProvider(
  redirectUri: string,
  names: Record<string, string>,
): Promise<OidcTestProvider> {
  const server: Server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clientId = 'folio-e2e';
  const clientSecret = 'folio-e2e-client-secret';
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    findAccount: (_ctx, id) => ({
      accountId: id,
      claims: () => ({ sub: id, email: `${id}@example.com`, email_verified: true, name: names[id] ?? id }),
    }),
    cookies: { keys: ['e2e-oidc-cookie-key'] },
  });
  server.on('request', provider.callback());
  return {
    issuer,
    clientId,
    clientSecret,
    close: () => new Promise((done) => server.close(() => done())),
  };
}

/** Signs `account` in at the API's /auth/login; returns the API cookie jar with the session. */
export async function signIn(apiUrl: string, issuer: string, account: string): Promise<CookieJar> {
  const apiJar = new CookieJar();
  const providerJar = new CookieJar();
  const login = await fetch(`${apiUrl}/auth/login`, { redirect: 'manual' });
  apiJar.take(login);
  let url = new URL(login.headers.get('location') ?? '', apiUrl);
  for (let step = 0; step < 20 && url.origin === issuer; step++) {
    let response = await fetch(url, { redirect: 'manual', headers: { cookie: providerJar.header() } });
    providerJar.take(response);
    if (response.status === 200) {
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
        headers: { cookie: providerJar.header(), 'content-type': 'application/x-www-form-urlencoded' },
        body: form,
      });
      providerJar.take(response);
    }
    url = new URL(response.headers.get('location') ?? '', url);
  }
  if (!url.href.startsWith(`${apiUrl}/auth/callback`)) throw new Error(`sign-in ended at ${url}`);
  const callback = await fetch(url, { redirect: 'manual', headers: { cookie: apiJar.header() } });
  if (callback.status !== 302)
    throw new Error(`callback answered ${callback.status}: ${await callback.text()}`);
  apiJar.take(callback);
  return apiJar;
}
