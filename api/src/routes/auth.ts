import { FolioError } from '@folio/shared';
import {
  loginLinkRedeemer,
  SESSION_TTL_MS,
  sessionEnder,
  sessionStarter,
  userProvisioner,
} from '@folio/shared/commands';
import type { Logger } from '@folio/shared/logger';
import { type OpenAPIHono, z } from '@hono/zod-openapi';
import { Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import * as client from 'openid-client';
import { SESSION_COOKIE, sameOrigin } from '../http/authenticate.js';
import type { RouteDeps } from '../http/deps.js';
import type { AppEnv } from '../http/env.js';
import { signValue, verifyValue } from '../http/signed-cookie.js';
import { oidcConfiguration } from '../oidc/oidc-client.js';

const LOGIN_COOKIE = 'folio_oidc';
const LOGIN_PURPOSE = 'oidc-login';
const LOGIN_TTL_SECONDS = 600;

interface PendingLogin {
  state: string;
  nonce: string;
  verifier: string;
  returnTo: string;
}

/** Only paths of our own: never an open redirect. */
const safeReturnTo = (value: string | undefined, fallback = '/v1/me') =>
  value && /^\/(?!\/)[\w\-./?=&%]*$/.test(value) && !value.includes('\\') ? value : fallback;

/**
 * Browser single sign-on: authorization code flow with PKCE, state and nonce. The
 * pending login lives in a signed, short-lived cookie scoped to /auth, so any API
 * instance can finish it; the session lives in the database.
 */
export function authRoutes(deps: RouteDeps & { log: Logger }) {
  const app = new Hono<AppEnv>();
  const { config } = deps;
  const publicUrl = new URL(config.PUBLIC_URL);
  const secure = publicUrl.protocol === 'https:';
  const redirectUri = new URL('/auth/callback', publicUrl).toString();
  const getConfig =
    config.OIDC_ISSUER && config.OIDC_CLIENT_ID && config.OIDC_CLIENT_SECRET
      ? oidcConfiguration({
          issuer: config.OIDC_ISSUER,
          clientId: config.OIDC_CLIENT_ID,
          clientSecret: config.OIDC_CLIENT_SECRET,
        })
      : undefined;

  const provider = async () => {
    if (!getConfig) throw new FolioError('NOT_FOUND', 'single sign-on is not configured');
    try {
      return await getConfig();
    } catch (error) {
      deps.log.error({ err: error }, 'OpenID provider discovery failed');
      throw new FolioError('UNAVAILABLE', 'the identity provider is unreachable');
    }
  };

  app.get('/login', async (c) => {
    const oidc = await provider();
    const pending: PendingLogin = {
      state: client.randomState(),
      nonce: client.randomNonce(),
      verifier: client.randomPKCECodeVerifier(),
      returnTo: safeReturnTo(c.req.query('returnTo')),
    };
    const url = client.buildAuthorizationUrl(oidc, {
      redirect_uri: redirectUri,
      scope: 'openid email profile',
      response_type: 'code',
      code_challenge: await client.calculatePKCECodeChallenge(pending.verifier),
      code_challenge_method: 'S256',
      state: pending.state,
      nonce: pending.nonce,
    });
    setCookie(c, LOGIN_COOKIE, signValue(deps.secretKey, LOGIN_PURPOSE, pending, LOGIN_TTL_SECONDS), {
      httpOnly: true,
      secure,
      sameSite: 'Lax',
      path: '/auth',
      maxAge: LOGIN_TTL_SECONDS,
    });
    return c.redirect(url.toString(), 302);
  });

  app.get('/callback', async (c) => {
    const oidc = await provider();
    const pending = verifyValue<PendingLogin>(deps.secretKey, LOGIN_PURPOSE, getCookie(c, LOGIN_COOKIE));
    deleteCookie(c, LOGIN_COOKIE, { path: '/auth', secure });
    if (!pending)
      throw new FolioError('BAD_REQUEST', 'no sign-in in progress (or it expired); start at /auth/login');
    // The URL the provider redirected to, as the browser saw it (we may sit behind a proxy).
    const current = new URL(c.req.url);
    const callbackUrl = new URL(`${publicUrl.origin}${publicUrl.pathname.replace(/\/$/, '')}/auth/callback`);
    callbackUrl.search = current.search;
    let claims: client.IDToken | undefined;
    let userinfo: client.UserInfoResponse | undefined;
    try {
      const tokens = await client.authorizationCodeGrant(oidc, callbackUrl, {
        pkceCodeVerifier: pending.verifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
      claims = tokens.claims();
      // Many providers put email and name only in userinfo unless asked otherwise.
      if (claims && (!claims.email || !claims.name)) {
        userinfo = await client.fetchUserInfo(oidc, tokens.access_token, claims.sub);
      }
    } catch (error) {
      deps.log.warn({ err: error }, 'sign-in failed');
      throw new FolioError('UNAUTHENTICATED', 'sign-in failed at the identity provider');
    }
    if (!claims) throw new FolioError('UNAUTHENTICATED', 'the identity provider sent no ID token');
    const pick = (key: string) => {
      const value = claims?.[key] ?? userinfo?.[key];
      return typeof value === 'string' ? value : undefined;
    };
    const verified = claims.email_verified ?? userinfo?.email_verified;
    const { user } = await userProvisioner(deps.db, {
      issuer: claims.iss,
      sub: claims.sub,
      email: pick('email'),
      emailVerified: typeof verified === 'boolean' ? verified : undefined,
      name: pick('name'),
    });
    const session = await sessionStarter(deps.db, { userId: user.id, userAgent: c.req.header('user-agent') });
    setCookie(c, SESSION_COOKIE, session.secret, {
      httpOnly: true,
      secure,
      sameSite: 'Lax',
      path: '/',
      maxAge: Math.floor(SESSION_TTL_MS / 1000),
    });
    return c.redirect(pending.returnTo, 302);
  });

  // What the web app's sign-in page offers: SSO only when it is configured.
  app.get('/options', (c) => c.json({ sso: getConfig !== undefined }));

  // A one-time sign-in link (the first admin's from `pnpm start`, or `folio login-link`):
  // a GET because it is clicked in a terminal. It is spent on first use, expires in
  // minutes, and the response is never cached.
  app.get('/link', async (c) => {
    c.header('Cache-Control', 'no-store');
    let session: Awaited<ReturnType<typeof loginLinkRedeemer>>['session'];
    try {
      ({ session } = await loginLinkRedeemer(deps.db, {
        secret: c.req.query('token') ?? '',
        userAgent: c.req.header('user-agent'),
      }));
    } catch (error) {
      // A person clicked it: the app's sign-in page says what happened, in words.
      if (error instanceof FolioError && error.code === 'UNAUTHENTICATED') {
        return c.redirect('/app/sign-in?link=invalid', 302);
      }
      throw error;
    }
    setCookie(c, SESSION_COOKIE, session.secret, {
      httpOnly: true,
      secure,
      sameSite: 'Lax',
      path: '/',
      maxAge: Math.floor(SESSION_TTL_MS / 1000),
    });
    return c.redirect(safeReturnTo(c.req.query('returnTo'), '/app/'), 302);
  });

  app.post('/logout', async (c) => {
    const secret = getCookie(c, SESSION_COOKIE);
    if (secret) {
      // Logging someone out is a write on their session: same CSRF rule as /v1.
      if (!sameOrigin(c, publicUrl.origin)) {
        throw new FolioError('FORBIDDEN', 'cross-origin request refused (Origin must match PUBLIC_URL)');
      }
      // Also closes, on every instance, the WebSockets of connect tokens the session minted.
      await sessionEnder(deps.db, secret, deps.bus);
    }
    deleteCookie(c, SESSION_COOKIE, { path: '/', secure });
    return c.body(null, 204);
  });

  return app;
}

/** The /auth routes are redirects and cookies rather than JSON, but belong in the API description. */
export function describeAuthRoutes(registry: OpenAPIHono['openAPIRegistry']): void {
  registry.registerPath({
    method: 'get',
    path: '/auth/login',
    tags: ['identity'],
    summary: 'Start single sign-on (authorization code + PKCE); redirects to the identity provider',
    request: {
      query: z.object({ returnTo: z.string().optional().openapi({ description: 'a path of ours' }) }),
    },
    security: [],
    responses: {
      302: { description: 'to the identity provider' },
      404: { description: 'SSO not configured' },
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/auth/callback',
    tags: ['identity'],
    summary: 'Finish single sign-on; sets the session cookie and redirects to returnTo',
    security: [],
    responses: {
      302: { description: 'signed in' },
      400: { description: 'no sign-in in progress' },
      401: { description: 'sign-in failed' },
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/auth/options',
    tags: ['identity'],
    summary: 'How a browser can sign in here: { sso } (single sign-on configured or not)',
    security: [],
    responses: { 200: { description: 'the sign-in options' } },
  });
  registry.registerPath({
    method: 'get',
    path: '/auth/link',
    tags: ['identity'],
    summary: 'Spend a one-time sign-in link (pnpm start, folio login-link); sets the session cookie',
    request: {
      query: z.object({
        token: z.string().openapi({ description: 'the link secret' }),
        returnTo: z.string().optional().openapi({ description: 'a path of ours; default /app/' }),
      }),
    },
    security: [],
    responses: {
      302: {
        description: 'signed in: to returnTo; an unknown, used or expired link: to /app/sign-in?link=invalid',
      },
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/auth/logout',
    tags: ['identity'],
    summary: 'End the session (needs our Origin)',
    responses: { 204: { description: 'signed out' }, 403: { description: 'cross-origin' } },
  });
}
