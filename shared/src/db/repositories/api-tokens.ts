import type { ApiToken, Scope } from '../schema.js';
import type { Handle } from './handle.js';

export interface NewApiToken {
  id: string;
  userId: string;
  name: string;
  tokenHash: Uint8Array;
  scopes: Scope[];
  expiresAt?: Date | null;
  agent?: string | null;
}

export function insertApiToken(db: Handle, token: NewApiToken): Promise<ApiToken> {
  return db
    .insertInto('api_tokens')
    .values({
      id: token.id,
      user_id: token.userId,
      name: token.name,
      token_hash: token.tokenHash,
      scopes: token.scopes,
      expires_at: token.expiresAt ?? null,
      agent: token.agent ?? null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** A token that is neither revoked nor expired, with its (unerased) user. */
export function findActiveApiTokenByHash(db: Handle, tokenHash: Uint8Array, now = new Date()) {
  return db
    .selectFrom('api_tokens')
    .innerJoin('users', 'users.id', 'api_tokens.user_id')
    .select([
      'api_tokens.id as tokenId',
      'api_tokens.scopes',
      'api_tokens.last_used_at as lastUsedAt',
      'api_tokens.expires_at as expiresAt',
      'api_tokens.agent',
      'users.id as userId',
      'users.role',
      'users.email',
      'users.name',
    ])
    .where('api_tokens.token_hash', '=', tokenHash)
    .where('api_tokens.revoked_at', 'is', null)
    .where('users.erased_at', 'is', null)
    .where((eb) => eb.or([eb('api_tokens.expires_at', 'is', null), eb('api_tokens.expires_at', '>', now)]))
    .executeTakeFirst();
}

export async function touchApiToken(db: Handle, id: string, at = new Date()): Promise<void> {
  await db.updateTable('api_tokens').set({ last_used_at: at }).where('id', '=', id).execute();
}

export function listApiTokens(db: Handle, userId: string): Promise<Omit<ApiToken, 'token_hash'>[]> {
  return db
    .selectFrom('api_tokens')
    .select([
      'id',
      'user_id',
      'name',
      'scopes',
      'agent',
      'created_at',
      'last_used_at',
      'expires_at',
      'revoked_at',
    ])
    .where('user_id', '=', userId)
    .orderBy('created_at', 'desc')
    .execute();
}

/** Returns whether a live token of that user was revoked by this call. */
export async function revokeApiToken(
  db: Handle,
  userId: string,
  id: string,
  at = new Date(),
): Promise<boolean> {
  const result = await db
    .updateTable('api_tokens')
    .set({ revoked_at: at })
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/**
 * How many of the user's tokens are live (neither revoked nor expired). Locks the user's
 * row for the caller's transaction first, so concurrent issuers for one user count one
 * after the other and a cap cannot be overrun by a burst.
 */
export async function countLiveApiTokensLocked(
  db: Handle,
  userId: string,
  now = new Date(),
): Promise<number> {
  await db.selectFrom('users').select('id').where('id', '=', userId).forUpdate().executeTakeFirst();
  const row = await db
    .selectFrom('api_tokens')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Live agent tokens of a workspace's members (what its admins may see and revoke). */
export function listWorkspaceAgentTokens(db: Handle, workspaceId: string, now = new Date()) {
  return db
    .selectFrom('api_tokens')
    .innerJoin('workspace_members as m', 'm.user_id', 'api_tokens.user_id')
    .select([
      'api_tokens.id',
      'api_tokens.user_id',
      'api_tokens.name',
      'api_tokens.scopes',
      'api_tokens.agent',
      'api_tokens.created_at',
      'api_tokens.last_used_at',
      'api_tokens.expires_at',
      'api_tokens.revoked_at',
    ])
    .where('m.workspace_id', '=', workspaceId)
    .where('api_tokens.agent', 'is not', null)
    .where('api_tokens.revoked_at', 'is', null)
    .where((eb) => eb.or([eb('api_tokens.expires_at', 'is', null), eb('api_tokens.expires_at', '>', now)]))
    .orderBy('api_tokens.created_at', 'desc')
    .limit(1_000)
    .execute();
}

/** Revokes a live agent token of one of the workspace's members; its user, or undefined. */
export async function revokeWorkspaceAgentToken(
  db: Handle,
  workspaceId: string,
  tokenId: string,
  at = new Date(),
): Promise<string | undefined> {
  const row = await db
    .updateTable('api_tokens')
    .set({ revoked_at: at })
    .where('id', '=', tokenId)
    .where('agent', 'is not', null)
    .where('revoked_at', 'is', null)
    .where('user_id', 'in', (eb) =>
      eb.selectFrom('workspace_members').select('user_id').where('workspace_id', '=', workspaceId),
    )
    .returning('user_id')
    .executeTakeFirst();
  return row?.user_id;
}

/** Deletes the user's API tokens (revoked ones too: their names are the user's words). */
export async function deleteUserApiTokens(db: Handle, userId: string): Promise<string[]> {
  const rows = await db.deleteFrom('api_tokens').where('user_id', '=', userId).returning('id').execute();
  return rows.map((r) => r.id);
}
