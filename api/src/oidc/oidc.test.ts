/**
 * Single sign-on end to end against a real OpenID provider (`oidc-provider`) on
 * loopback: its development login and consent forms are driven with fetch and a
 * cookie jar; the API runs in-process.
 */
import { userCreator } from '@folio/shared/commands';
import { findUserById } from '@folio/shared/db';
import {
  CookieJar,
  type OidcTestProvider,
  signInAtProvider,
  startOidcProvider,
} from '@folio/shared/testing/oidc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApi, type TestApi } from '../test-app.js';

const PUBLIC_URL = 'http://127.0.0.1:3999';
const names: Record<string, string> = { alice: 'Alice Liddell', bob: 'Bob' };
/** Per provider account: its email and `email_verified` claim ('absent' leaves the claim out). */
const accounts: Record<string, { email: string; verified: boolean | 'absent' }> = {};
const accountClaims = (id: string) => {
  const account = accounts[id] ?? { email: `${id}@example.com`, verified: true };
  return {
    sub: id,
    email: account.email,
    ...(account.verified === 'absent' ? {} : { email_verified: account.verified }),
    name: names[id] ?? id,
  };
};

let provider: OidcTestProvider;
let issuer: string;
let h: TestApi;

beforeAll(async () => {
  provider = await startOidcProvider({ redirectUri: `${PUBLIC_URL}/auth/callback`, claims: accountClaims });
  issuer = provider.issuer;
  h = await buildTestApi({
    PUBLIC_URL,
    OIDC_ISSUER: issuer,
    OIDC_CLIENT_ID: provider.clientId,
    OIDC_CLIENT_SECRET: provider.clientSecret,
  });
});

afterAll(async () => {
  await h?.close();
  await provider?.close();
});

/**
 * Starts at /auth/login, signs in at the provider as `account` and returns the
 * API's cookie jar after the callback plus the final redirect.
 */
async function signIn(account: string, returnTo?: string) {
  const apiJar = new CookieJar();
  const login = await h.request(`/auth/login${returnTo ? `?returnTo=${encodeURIComponent(returnTo)}` : ''}`);
  expect(login.status).toBe(302);
  apiJar.take(login);
  const start = new URL(login.headers.get('location') ?? '');
  expect(start.origin).toBe(issuer);
  expect(start.searchParams.get('code_challenge_method')).toBe('S256');
  expect(start.searchParams.get('state')).toBeTruthy();
  expect(start.searchParams.get('nonce')).toBeTruthy();
  const url = await signInAtProvider(start, account);
  expect(`${url.origin}${url.pathname}`).toBe(`${PUBLIC_URL}/auth/callback`);
  const callback = await h.request(`/auth/callback${url.search}`, { headers: { cookie: apiJar.header() } });
  apiJar.take(callback);
  return { callback, jar: apiJar };
}

describe('single sign-on', () => {
  it('provisions the user on first login and opens a session with a safe cookie', async () => {
    const { callback, jar } = await signIn('alice', '/v1/workspaces');
    expect(callback.status).toBe(302);
    expect(callback.headers.get('location')).toBe('/v1/workspaces');
    const sessionCookie = callback.headers.getSetCookie().find((c) => c.startsWith('folio_session='));
    expect(sessionCookie).toMatch(/HttpOnly/i);
    expect(sessionCookie).toMatch(/SameSite=Lax/i);
    expect(sessionCookie).not.toMatch(/Secure/i);

    const me = await h.request('/v1/me', { headers: { cookie: jar.header() } });
    expect(me.status).toBe(200);
    const body = (await me.json()) as { id: string; email: string; name: string; role: string };
    expect(body).toMatchObject({ email: 'alice@example.com', name: 'Alice Liddell', role: 'member' });

    // The session is stored hashed: the cookie value appears nowhere in the table.
    const rows = await h.t.db.selectFrom('sessions').selectAll().where('user_id', '=', body.id).execute();
    expect(rows).toHaveLength(1);
    expect(Buffer.from(rows[0]?.id_hash ?? []).toString()).not.toContain(jar.get('folio_session'));

    // A personal workspace came with the account.
    const workspaces = await h.request('/v1/workspaces', { headers: { cookie: jar.header() } });
    expect(((await workspaces.json()) as { items: { personal: boolean }[] }).items).toEqual([
      expect.objectContaining({ personal: true, role: 'admin' }),
    ]);
    const logins = await h.t.db
      .selectFrom('audit_events')
      .select('action')
      .where('actor_id', '=', body.id)
      .where('action', '=', 'user.login')
      .execute();
    expect(logins).toHaveLength(1);
  });

  it('updates the profile on a later login instead of creating a second user', async () => {
    const first = await signIn('bob');
    const firstMe = (await (
      await h.request('/v1/me', { headers: { cookie: first.jar.header() } })
    ).json()) as {
      id: string;
    };
    names.bob = 'Robert Tables';
    const second = await signIn('bob');
    const me = (await (await h.request('/v1/me', { headers: { cookie: second.jar.header() } })).json()) as {
      id: string;
      name: string;
    };
    expect(me).toMatchObject({ id: firstMe.id, name: 'Robert Tables' });
  });

  it('refuses cookie-authenticated writes without our Origin, and logs out', async () => {
    const { jar } = await signIn('carol');
    const cookie = jar.header();
    const create = (headers: Record<string, string>) =>
      h.request('/v1/workspaces', {
        method: 'POST',
        json: { name: 'Team' },
        headers: { cookie, ...headers },
      });
    expect((await create({})).status).toBe(403);
    expect((await create({ origin: 'https://evil.example' })).status).toBe(403);
    expect((await create({ origin: PUBLIC_URL })).status).toBe(201);

    expect((await h.request('/auth/logout', { method: 'POST', headers: { cookie } })).status).toBe(403);
    const logout = await h.request('/auth/logout', {
      method: 'POST',
      headers: { cookie, origin: PUBLIC_URL },
    });
    expect(logout.status).toBe(204);
    expect(logout.headers.getSetCookie().join()).toMatch(/folio_session=;/);
    expect((await h.request('/v1/me', { headers: { cookie } })).status).toBe(401);
  });

  it('rejects a callback whose state does not match the pending login', async () => {
    const { jar } = await signIn('dave');
    const login = await h.request('/auth/login');
    const pending =
      login.headers
        .getSetCookie()
        .find((c) => c.startsWith('folio_oidc='))
        ?.split(';')[0] ?? '';
    const forged = await h.request('/auth/callback?code=stolen&state=forged', {
      headers: { cookie: pending },
    });
    expect(forged.status).toBe(401);
    expect(forged.headers.get('content-type')).toMatch(/problem\+json/);
    const noPending = await h.request('/auth/callback?code=x&state=y', { headers: { cookie: jar.header() } });
    expect(noPending.status).toBe(400);
  });

  it('marks cookies Secure when PUBLIC_URL is https', async () => {
    const secure = await buildTestApi({
      PUBLIC_URL: 'https://folio.example',
      OIDC_ISSUER: issuer,
      OIDC_CLIENT_ID: 'folio',
      OIDC_CLIENT_SECRET: 'folio-client-secret',
    });
    try {
      const login = await secure.request('/auth/login');
      expect(login.status).toBe(302);
      const pending = login.headers.getSetCookie().find((c) => c.startsWith('folio_oidc='));
      expect(pending).toMatch(/;\s*Secure/i);
      expect(pending).toMatch(/HttpOnly/i);
      expect(new URL(login.headers.get('location') ?? '').searchParams.get('redirect_uri')).toBe(
        'https://folio.example/auth/callback',
      );
    } finally {
      await secure.close();
    }
  });

  it('links an existing account only on email_verified === true, and never an admin or compliance one', async () => {
    const me = async (jar: CookieJar) =>
      (await (await h.request('/v1/me', { headers: { cookie: jar.header() } })).json()) as {
        id: string;
        email: string;
      };
    const existing = async (email: string, role: 'member' | 'admin' | 'compliance' = 'member') =>
      userCreator(h.t.db, { email, name: email, role, actorId: null });
    const subjectOf = async (id: string) =>
      (await h.t.db.selectFrom('users').select('oidc_subject').where('id', '=', id).executeTakeFirstOrThrow())
        .oidc_subject;

    const vera = await existing('vera@corp.example');
    accounts.vera = { email: 'vera@corp.example', verified: true };
    const linked = await signIn('vera');
    expect(linked.callback.status).toBe(302);
    expect((await me(linked.jar)).id).toBe(vera.id);

    for (const [account, verified] of [
      ['frank', false],
      ['absent', 'absent'],
    ] as const) {
      const victim = await existing(`${account}@corp.example`);
      accounts[account] = { email: `${account}@corp.example`, verified };
      const { callback } = await signIn(account);
      expect(callback.status, account).toBe(409);
      expect(callback.headers.get('content-type')).toMatch(/problem\+json/);
      expect(callback.headers.getSetCookie().join()).not.toMatch(/folio_session=[^;]/);
      expect(await subjectOf(victim.id)).toBeNull();
    }

    // The first admin's address is public knowledge; a provider account claiming it (verified
    // or not) never becomes that admin, nor a compliance officer.
    for (const [account, email, role] of [
      ['mallory', 'admin@folio.localhost', 'admin'],
      ['oscar', 'officer@corp.example', 'compliance'],
    ] as const) {
      const privileged = await existing(email, role);
      accounts[account] = { email, verified: true };
      const { callback } = await signIn(account);
      expect(callback.status, account).toBe(409);
      expect(await subjectOf(privileged.id)).toBeNull();
    }
  });

  it('changes the stored email only from a verified claim', async () => {
    accounts.gina = { email: 'gina@example.com', verified: true };
    const first = await signIn('gina');
    const id = (
      (await (await h.request('/v1/me', { headers: { cookie: first.jar.header() } })).json()) as {
        id: string;
      }
    ).id;
    // Through the repository: the stored email is sealed.
    const stored = async () => (await findUserById(h.t.db, id))?.email;
    for (const verified of [false, 'absent'] as const) {
      accounts.gina = { email: 'gina@elsewhere.example', verified };
      expect((await signIn('gina')).callback.status).toBe(302);
      expect(await stored()).toBe('gina@example.com');
    }
    accounts.gina = { email: 'gina@elsewhere.example', verified: true };
    expect((await signIn('gina')).callback.status).toBe(302);
    expect(await stored()).toBe('gina@elsewhere.example');
  });

  it('is offered to the web app, which returns to /app/ after it', async () => {
    expect(await (await h.request('/auth/options')).json()).toEqual({ sso: true });
    const { callback } = await signIn('alice', '/app/');
    expect(callback.headers.get('location')).toBe('/app/');
  });

  it('never redirects to another site after login', async () => {
    const login = await h.request('/auth/login?returnTo=//evil.example/x');
    expect(login.status).toBe(302);
    const { callback } = await signIn('erin', 'https://evil.example/');
    expect(callback.headers.get('location')).toBe('/v1/me');
  });
});
