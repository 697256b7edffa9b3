import { createHmac, timingSafeEqual } from 'node:crypto';
import type { DocumentRole } from './db/schema.js';
import { randomSecret } from './ids.js';

/**
 * Connect tokens: short-lived credentials for one user, one document and one role,
 * handed out by the API (`POST /v1/documents/:id/connect-token`) and checked by the
 * collaboration server without a database round trip for the signature.
 *
 * Format: `fct1.<base64url(JSON claims)>.<base64url(HMAC-SHA256)>`. The MAC key is
 * derived from SECRET_KEY with a purpose label, so a session signature can never pass
 * as a connect token.
 */
export const CONNECT_TOKEN_PREFIX = 'fct1.';

export const DEFAULT_CONNECT_TOKEN_TTL_SECONDS = 10 * 60;

export interface ConnectTokenClaims {
  /** User id. */
  sub: string;
  /** Document id (the collaboration document name). */
  doc: string;
  role: DocumentRole;
  /** Expiry, Unix seconds. */
  exp: number;
  /** Unique id, for logs. */
  jti: string;
}

const macKey = (secretKey: string) =>
  createHmac('sha256', secretKey).update('folio connect-token v1').digest();

const mac = (secretKey: string, body: string) =>
  createHmac('sha256', macKey(secretKey)).update(body).digest();

export function signConnectToken(
  secretKey: string,
  input: { userId: string; documentId: string; role: DocumentRole; ttlSeconds?: number; now?: Date },
): { token: string; expiresAt: Date; claims: ConnectTokenClaims } {
  const nowSeconds = Math.floor((input.now ?? new Date()).getTime() / 1000);
  const claims: ConnectTokenClaims = {
    sub: input.userId,
    doc: input.documentId,
    role: input.role,
    exp: nowSeconds + (input.ttlSeconds ?? DEFAULT_CONNECT_TOKEN_TTL_SECONDS),
    jti: randomSecret(96),
  };
  const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const signature = mac(secretKey, body).toString('base64url');
  return {
    token: `${CONNECT_TOKEN_PREFIX}${body}.${signature}`,
    expiresAt: new Date(claims.exp * 1000),
    claims,
  };
}

const roles: readonly string[] = ['owner', 'editor', 'viewer'];

/**
 * The claims of a genuine, unexpired token; undefined otherwise (wrong MAC, expired,
 * malformed). The caller still checks that the user may access the document *now*:
 * the token only proves what was true when it was issued.
 */
export function verifyConnectToken(
  secretKey: string,
  token: string,
  now: Date = new Date(),
): ConnectTokenClaims | undefined {
  if (!token.startsWith(CONNECT_TOKEN_PREFIX) || token.length > 2048) return undefined;
  const [body, signature, ...rest] = token.slice(CONNECT_TOKEN_PREFIX.length).split('.');
  if (!body || !signature || rest.length > 0) return undefined;
  const expected = mac(secretKey, body);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  let claims: Partial<ConnectTokenClaims>;
  try {
    claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (
    typeof claims.sub !== 'string' ||
    typeof claims.doc !== 'string' ||
    typeof claims.exp !== 'number' ||
    typeof claims.role !== 'string' ||
    !roles.includes(claims.role)
  ) {
    return undefined;
  }
  if (claims.exp * 1000 <= now.getTime()) return undefined;
  return claims as ConnectTokenClaims;
}
