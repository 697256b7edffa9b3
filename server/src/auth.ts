import { type Actor, grantedDocumentRole, verifyConnectToken } from '@folio/shared';
import { authenticateApiToken, looksLikeApiToken } from '@folio/shared/commands';
import { type Db, type DocumentRole, findDocumentAccess, findUserOfLiveCredential } from '@folio/shared/db';
import type { Tracing } from '@folio/shared/tracing';

/** Who is behind a collaboration connection, as the server established it. */
export interface CollabPrincipal {
  userId: string;
  /** Display name for awareness; never taken from the client. */
  name: string;
  role: DocumentRole;
  /**
   * The credential behind the connection: the API token used directly, or the API token
   * or session that minted the connect token. Revoking it closes exactly its connections.
   */
  tokenId?: string | undefined;
  /**
   * When the credential stops being valid (ms since the epoch): a connect token's `exp`
   * or an API token's `expires_at`; unset for API tokens without expiry. The connection
   * registry closes the connection (4401) at this instant.
   */
  expiresAt?: number | undefined;
  /** The agent label when the credential is an agent token (directly or as the minter). */
  agent?: string | undefined;
}

export type AuthOutcome =
  | { ok: true; principal: CollabPrincipal }
  | { ok: false; code: 'UNAUTHENTICATED' | 'FORBIDDEN'; reason: string };

const rank: Record<DocumentRole, number> = { viewer: 1, editor: 2, owner: 3 };
const weaker = (a: DocumentRole, b: DocumentRole) => (rank[a] <= rank[b] ? a : b);

/**
 * The one authorization decision for both protocols: a connect token or an API token,
 * then the shared policy on the document's current permissions. Connect tokens are
 * checked against the database too, so a permission revoked after the token was minted
 * takes effect at the next connect; the token's role only ever narrows.
 */
export async function authorizeConnection(
  deps: { db: Db; secretKey: string },
  token: string | null | undefined,
  documentId: string,
): Promise<AuthOutcome> {
  if (!token) return { ok: false, code: 'UNAUTHENTICATED', reason: 'missing token' };
  let actor: Actor;
  let tokenRole: DocumentRole = 'owner';
  let tokenId: string | undefined;
  let expiresAt: number | undefined;
  let name = '';
  let agent: string | null | undefined;
  if (looksLikeApiToken(token)) {
    const principal = await authenticateApiToken(deps.db, token);
    if (!principal) return { ok: false, code: 'UNAUTHENTICATED', reason: 'invalid token' };
    actor = { userId: principal.userId, role: principal.role, scopes: principal.scopes };
    tokenId = principal.tokenId;
    expiresAt = principal.expiresAt?.getTime();
    name = principal.name;
    agent = principal.agent;
  } else {
    const claims = verifyConnectToken(token, deps.secretKey);
    if (!claims) return { ok: false, code: 'UNAUTHENTICATED', reason: 'invalid or expired token' };
    if (claims.documentId !== documentId) {
      return { ok: false, code: 'FORBIDDEN', reason: 'token is for another document' };
    }
    // The API token or session that minted the token must still be live: revoking it or
    // logging out refuses every reconnect with what it minted.
    const user = await findUserOfLiveCredential(deps.db, claims.userId, claims.credentialId);
    if (!user) return { ok: false, code: 'UNAUTHENTICATED', reason: 'credential revoked or user unknown' };
    actor = { userId: user.id, role: user.role };
    tokenId = claims.credentialId;
    tokenRole = claims.role;
    expiresAt = claims.exp * 1000;
    name = user.name;
    agent = user.agent;
  }
  const access = await findDocumentAccess(deps.db, documentId, actor.userId);
  if (!access) return { ok: false, code: 'FORBIDDEN', reason: 'no access' };
  const granted = grantedDocumentRole(actor, {
    kind: 'document',
    documentRole: access.documentRole,
    workspaceRole: access.workspaceRole,
  });
  if (!granted) return { ok: false, code: 'FORBIDDEN', reason: 'no access' };
  return {
    ok: true,
    principal: {
      userId: actor.userId,
      name,
      role: weaker(granted, tokenRole),
      tokenId,
      expiresAt,
      ...(agent ? { agent } : {}),
    },
  };
}

/**
 * `authorizeConnection` in a span of its own (one per connection attempt and token
 * refresh, both protocols). A connection attempt continues the trace of the WebSocket
 * upgrade it is part of (collab-server.ts: the upgrade span carries the caller's
 * `traceparent`); refreshes and re-checks happen later, for the socket, in no caller's
 * trace: a new one each.
 */
export function tracedAuthorizeConnection(
  deps: { db: Db; secretKey: string; tracing: Tracing },
  token: string | null | undefined,
  documentId: string,
  purpose: 'connect' | 'refresh' | 'recheck',
): Promise<AuthOutcome> {
  const attributes = { 'folio.document_id': documentId, 'folio.auth.purpose': purpose };
  const options = purpose === 'connect' ? { attributes } : { root: true, attributes };
  return deps.tracing.inSpan('collab.authorize', options, async (span) => {
    const outcome = await authorizeConnection(deps, token, documentId);
    span.setAttributes(
      outcome.ok
        ? { 'folio.auth.outcome': 'ok', 'folio.auth.role': outcome.principal.role }
        : { 'folio.auth.outcome': outcome.code },
    );
    return outcome;
  });
}
