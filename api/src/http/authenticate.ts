import { FolioError } from '@folio/shared';
import { authenticateApiToken, authenticateSession } from '@folio/shared/commands';
import type { Db } from '@folio/shared/db';
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import type { AppEnv } from './env.js';

export const SESSION_COOKIE = 'folio_session';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Resolves the caller from `Authorization: Bearer <api token>` or, failing that, the
 * session cookie; 401 otherwise. A bearer header that does not authenticate is a 401
 * even with a valid cookie: the client said which credential it meant.
 *
 * CSRF: a cookie is sent by the browser on cross-site requests too, so a
 * cookie-authenticated write must come with an `Origin` equal to PUBLIC_URL's. Bearer
 * tokens are never sent implicitly and need no such check.
 */
export function authenticate(deps: { db: Db; publicOrigin: string }): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization');
    if (header !== undefined) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
      if (!match?.[1]) {
        throw new FolioError(
          'UNAUTHENTICATED',
          'send the API token as "Authorization: Bearer <token>" (the Bearer scheme, one space, the token)',
        );
      }
      const found = await authenticateApiToken(deps.db, match[1]);
      if (!found) throw new FolioError('UNAUTHENTICATED', 'invalid, expired or revoked API token');
      c.set('principal', {
        userId: found.userId,
        role: found.role,
        scopes: found.scopes,
        via: 'token',
        tokenId: found.tokenId,
        credentialKey: `t:${found.tokenId}`,
        expiresAt: found.expiresAt,
        ...(found.agent
          ? { agent: { label: found.agent, tokenId: found.tokenId, userName: found.name } }
          : {}),
      });
      return next();
    }
    const secret = getCookie(c, SESSION_COOKIE);
    const session = secret ? await authenticateSession(deps.db, secret) : undefined;
    if (!session) {
      throw new FolioError('UNAUTHENTICATED', 'sign in at /auth/login or send an API token as Bearer');
    }
    if (!SAFE_METHODS.has(c.req.method) && !sameOrigin(c, deps.publicOrigin)) {
      throw new FolioError('FORBIDDEN', 'cross-origin request refused (Origin must match PUBLIC_URL)');
    }
    c.set('principal', {
      userId: session.userId,
      role: session.role,
      scopes: undefined,
      via: 'session',
      credentialKey: `s:${session.sessionKey}`,
      expiresAt: session.expiresAt,
      sessionId: session.sessionId,
    });
    return next();
  };
}

/** Origin must be present and equal ours; browsers send it on every non-GET fetch and form post. */
export function sameOrigin(c: Context, publicOrigin: string): boolean {
  const origin = c.req.header('origin');
  return origin !== undefined && origin === publicOrigin;
}
