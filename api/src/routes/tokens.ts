import { FolioError } from '@folio/shared';
import { apiTokenIssuer, apiTokenRevoker, presentApiToken } from '@folio/shared/commands';
import { listApiTokens, type Scope } from '@folio/shared/db';
import { createRoute } from '@hono/zod-openapi';
import { requireScope } from '../http/access.js';
import type { RouteDeps } from '../http/deps.js';
import { errors, json } from '../http/openapi.js';
import { createRouter } from '../http/router.js';
import { CreatedToken, TokenCreate, TokenIdParam, TokenList } from './tokens.schemas.js';

const SCOPE_ORDER: Scope[] = ['read', 'write', 'admin'];

/**
 * A minted token never outlives the credential that minted it, or a token about to
 * expire (or a session) could make itself permanent. Without `expiresAt` it inherits the
 * parent's expiry; an explicit `expiresAt` beyond it is refused (400) rather than
 * silently shortened, so the caller never holds a token that ends sooner than it asked.
 */
function mintedExpiry(requested: string | undefined, parent: Date | null): Date | null {
  if (requested === undefined) return parent;
  const expiresAt = new Date(requested);
  if (expiresAt.getTime() <= Date.now()) {
    throw new FolioError('BAD_REQUEST', 'expiresAt must be in the future', { field: 'expiresAt' });
  }
  if (parent && expiresAt > parent) {
    throw new FolioError(
      'BAD_REQUEST',
      `expiresAt must not be later than the expiry of the credential minting it (${parent.toISOString()})`,
      { field: 'expiresAt' },
    );
  }
  return expiresAt;
}

/** The caller's own API tokens. */
export function tokenRoutes(deps: RouteDeps) {
  const app = createRouter();

  app.openapi(
    createRoute({
      method: 'post',
      path: '/',
      tags: ['tokens'],
      summary: 'Create an API token (the secret is shown once)',
      request: { body: { content: { 'application/json': { schema: TokenCreate } }, required: true } },
      responses: {
        201: json(CreatedToken, 'the new token with its secret'),
        ...errors(400, 401, 403, 409, 429),
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const principal = c.get('principal');
      requireScope(principal, 'write');
      const scopes = SCOPE_ORDER.filter((s) => (body.scopes ?? ['read', 'write']).includes(s));
      // A token can only mint tokens narrower than itself, or scopes would escalate.
      const beyond = scopes.filter((s) => principal.scopes !== undefined && !principal.scopes.includes(s));
      if (beyond.length > 0) {
        throw new FolioError('FORBIDDEN', `this token cannot grant the ${beyond.join(', ')} scope`, {
          field: 'scopes',
        });
      }
      const expiresAt = mintedExpiry(body.expiresAt, principal.expiresAt);
      const { token, record } = await apiTokenIssuer(deps.db, {
        userId: principal.userId,
        scopes,
        name: body.name ?? '',
        expiresAt,
        actorId: principal.userId,
        maxLive: deps.config.MAX_API_TOKENS_PER_USER,
        // An agent token mints only agent tokens of its own agent, so it cannot shed the label.
        agent: body.agent ?? principal.agent?.label ?? null,
      });
      return c.json({ ...presentApiToken(record), token }, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/',
      tags: ['tokens'],
      summary: "The caller's API tokens (never their secrets)",
      responses: { 200: json(TokenList, 'tokens, newest first'), ...errors(401, 403, 429) },
    }),
    async (c) => {
      const principal = c.get('principal');
      requireScope(principal, 'read');
      const tokens = await listApiTokens(deps.db, principal.userId);
      return c.json({ items: tokens.map(presentApiToken) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/{id}',
      tags: ['tokens'],
      summary: 'Revoke an API token',
      request: { params: TokenIdParam },
      responses: { 204: { description: 'revoked' }, ...errors(401, 403, 404, 429) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const principal = c.get('principal');
      requireScope(principal, 'write');
      await apiTokenRevoker(
        deps.db,
        { userId: principal.userId, tokenId: id, actorId: principal.userId },
        deps.bus,
      );
      return c.body(null, 204);
    },
  );

  return app;
}
