import { createHmac, timingSafeEqual } from 'node:crypto';
import type { DocumentRole } from './db/schema.js';

/**
 * Connect tokens: short-lived credentials for the collaboration WebSocket, minted by the
 * API (`POST /v1/documents/:id/connect-token`) and checked by the collaboration server.
 * Stateless on purpose — every collaboration instance can verify one without a database
 * round trip — so they are bound to one user, one document and one role, and expire
 * quickly. The server still re-checks the user's access on connect, which is what makes
 * a revoked permission effective before the token expires, and that the credential that
 * minted the token (`credentialId`: an API token's or a browser session's id) is still
 * live, so revoking that token or logging out ends what it minted too.
 *
 * Format: `fct1.<base64url(JSON payload)>.<base64url(HMAC-SHA256)>`. The prefix keeps them
 * distinguishable from API tokens (`folio_…`) and versions the format.
 */
export const CONNECT_TOKEN_PREFIX = 'fct1';

/** Upper bound for ttlSeconds: a leaked connect token must not stay useful for long. */
export const MAX_CONNECT_TOKEN_TTL_SECONDS = 24 * 60 * 60;

export interface ConnectTokenClaims {
  userId: string;
  documentId: string;
  role: DocumentRole;
  /** The API token or session that minted this token. */
  credentialId: string;
  /** Expiry, seconds since the epoch. */
  exp: number;
}

export interface SignedConnectToken {
  token: string;
  expiresAt: Date;
}

/** A distinct key for connect tokens, so a MAC made for another purpose never verifies here. */
const macKey = (secretKey: string) =>
  createHmac('sha256', secretKey).update('folio connect token v1').digest();

const mac = (secretKey: string, body: string) =>
  createHmac('sha256', macKey(secretKey)).update(body).digest();

export function signConnectToken(
  claims: {
    userId: string;
    documentId: string;
    role: DocumentRole;
    credentialId: string;
    ttlSeconds: number;
  },
  secretKey: string,
  now: Date = new Date(),
): SignedConnectToken {
  if (!Number.isFinite(claims.ttlSeconds) || claims.ttlSeconds <= 0) {
    throw new RangeError('ttlSeconds must be positive');
  }
  const ttl = Math.min(Math.floor(claims.ttlSeconds), MAX_CONNECT_TOKEN_TTL_SECONDS);
  const exp = Math.floor(now.getTime() / 1000) + ttl;
  const payload: ConnectTokenClaims = {
    userId: claims.userId,
    documentId: claims.documentId,
    role: claims.role,
    credentialId: claims.credentialId,
    exp,
  };
  const body = `${CONNECT_TOKEN_PREFIX}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  return { token: `${body}.${mac(secretKey, body).toString('base64url')}`, expiresAt: new Date(exp * 1000) };
}

const roles: readonly string[] = ['owner', 'editor', 'viewer'];

/**
 * The claims of a genuine, unexpired connect token, or undefined. Never throws on
 * hostile input: anything malformed is simply not a valid token.
 */
export function verifyConnectToken(
  token: string,
  secretKey: string,
  now: Date = new Date(),
): ConnectTokenClaims | undefined {
  if (typeof token !== 'string' || token.length > 4096) return undefined;
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== CONNECT_TOKEN_PREFIX) return undefined;
  const body = `${parts[0]}.${parts[1]}`;
  const given = Buffer.from(parts[2] ?? '', 'base64url');
  const expected = mac(secretKey, body);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(parts[1] ?? '', 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  const c = claims as Partial<ConnectTokenClaims> | null;
  if (
    !c ||
    typeof c.userId !== 'string' ||
    typeof c.documentId !== 'string' ||
    typeof c.role !== 'string' ||
    !roles.includes(c.role) ||
    // Tokens that name no minting credential could not be revoked: refused.
    typeof c.credentialId !== 'string' ||
    c.credentialId.length === 0 ||
    typeof c.exp !== 'number'
  ) {
    return undefined;
  }
  if (c.exp * 1000 <= now.getTime()) return undefined;
  return {
    userId: c.userId,
    documentId: c.documentId,
    role: c.role as DocumentRole,
    credentialId: c.credentialId,
    exp: c.exp,
  };
}

export const looksLikeConnectToken = (token: string): boolean => token.startsWith(`${CONNECT_TOKEN_PREFIX}.`);
