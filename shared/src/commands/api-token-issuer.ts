import { createHash } from 'node:crypto';
import {
  countLiveApiTokensLocked,
  findActiveApiTokenByHash,
  insertApiToken,
  touchApiToken,
} from '../db/repositories/api-tokens.js';
import { appendAuditEvent } from '../db/repositories/audit.js';
import { type Handle, inTransaction } from '../db/repositories/handle.js';
import type { ApiToken, InstanceRole, Scope } from '../db/schema.js';
import { FolioError } from '../errors.js';
import { newId, randomSecret } from '../ids.js';

/** Every API token starts with this, so secret scanners and logs can recognise one. */
export const API_TOKEN_PREFIX = 'folio_';

export const hashToken = (token: string): Buffer => createHash('sha256').update(token).digest();

export const looksLikeApiToken = (token: string): boolean =>
  token.startsWith(API_TOKEN_PREFIX) && token.length > API_TOKEN_PREFIX.length + 40;

export interface IssuedApiToken {
  /** The secret, shown once; only its hash is stored. */
  token: string;
  record: ApiToken;
}

/**
 * Issues an API token. With `maxLive`, refuses (CONFLICT, 409) when the user already
 * holds that many live tokens: each token is a credential to revoke and audit, so a
 * user (or a leaked token) must not be able to mint them without bound.
 */
export async function apiTokenIssuer(
  db: Handle,
  input: {
    userId: string;
    scopes: Scope[];
    name?: string;
    expiresAt?: Date | null;
    actorId: string | null;
    maxLive?: number | undefined;
    /** Makes an agent token: software acting for the user, named by this label. */
    agent?: string | null | undefined;
  },
): Promise<IssuedApiToken> {
  const token = `${API_TOKEN_PREFIX}${randomSecret(256)}`;
  return inTransaction(db, async (trx) => {
    if (input.maxLive !== undefined) {
      const live = await countLiveApiTokensLocked(trx, input.userId);
      if (live >= input.maxLive) {
        throw new FolioError(
          'CONFLICT',
          `this user already has ${live} live API tokens, the most allowed (MAX_API_TOKENS_PER_USER); revoke one first`,
        );
      }
    }
    const record = await insertApiToken(trx, {
      id: newId(),
      userId: input.userId,
      name: input.name ?? '',
      tokenHash: hashToken(token),
      scopes: input.scopes,
      expiresAt: input.expiresAt ?? null,
      agent: input.agent ?? null,
    });
    await appendAuditEvent(trx, {
      actorId: input.actorId,
      action: 'token.create',
      details: {
        tokenId: record.id,
        userId: input.userId,
        scopes: input.scopes,
        ...(input.agent ? { agent: input.agent } : {}),
      },
    });
    return { token, record };
  });
}

export interface TokenPrincipal {
  userId: string;
  role: InstanceRole;
  scopes: Scope[];
  tokenId: string;
  /** The user's display name. */
  name: string;
  /** The agent label, for an agent token. */
  agent: string | null;
  /**
   * When the token stops being valid, or null for a token without expiry. Long-lived
   * holders of a principal (collaboration connections) close at this instant instead of
   * waiting for their next periodic re-check.
   */
  expiresAt: Date | null;
}

/** last_used_at is written at most this often per token, not on every request. */
const LAST_USED_RESOLUTION_MS = 60_000;

/** The principal behind an API token, or undefined for an unknown, revoked or expired one. */
export async function authenticateApiToken(db: Handle, token: string): Promise<TokenPrincipal | undefined> {
  if (!looksLikeApiToken(token)) return undefined;
  const found = await findActiveApiTokenByHash(db, hashToken(token));
  if (!found) return undefined;
  const now = new Date();
  if (!found.lastUsedAt || now.getTime() - found.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
    await touchApiToken(db, found.tokenId, now);
  }
  return {
    userId: found.userId,
    role: found.role,
    scopes: found.scopes,
    tokenId: found.tokenId,
    name: found.name,
    agent: found.agent,
    expiresAt: found.expiresAt,
  };
}

/** An API token as the API and the GDPR export show it: never the hash. */
export function presentApiToken(
  t: Omit<ApiToken, 'token_hash' | 'user_id'> & Partial<Pick<ApiToken, 'user_id'>>,
) {
  const iso = (d: Date | null) => (d ? d.toISOString() : null);
  return {
    id: t.id,
    name: t.name,
    scopes: t.scopes,
    agent: t.agent,
    createdAt: t.created_at.toISOString(),
    lastUsedAt: iso(t.last_used_at),
    expiresAt: iso(t.expires_at),
    revokedAt: iso(t.revoked_at),
  };
}
