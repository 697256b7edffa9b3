import { can, FolioError } from '@folio/shared';
import { type AuditEvent, type AuditFilter, listAuditEvents, verifyAuditChain } from '@folio/shared/db';
import { createRoute, z } from '@hono/zod-openapi';
import { authorizeDocument, forbidUnless } from '../http/access.js';
import type { RouteDeps } from '../http/deps.js';
import type { Principal } from '../http/env.js';
import { errors, json } from '../http/openapi.js';
import { createRouter } from '../http/router.js';
import { type AuditEntry, AuditList, AuditQuery, AuditVerification } from './audit.schemas.js';

/** Rows per database round trip when streaming the whole selection. */
const STREAM_PAGE = 1_000;

const presentEntry = (e: AuditEvent): z.infer<typeof AuditEntry> => ({
  id: String(e.id),
  at: e.at.toISOString(),
  actorId: e.actor_id,
  action: e.action,
  documentId: e.document_id,
  details: e.details,
});

const encodeCursor = (id: number) => Buffer.from(String(id)).toString('base64url');
function decodeCursor(cursor: string | undefined): number {
  if (cursor === undefined) return 0;
  const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
  const id = Number(decoded);
  if (!/^[1-9]\d{0,15}$/.test(decoded) || !Number.isSafeInteger(id)) {
    throw new FolioError('BAD_REQUEST', 'malformed cursor', { field: 'cursor' });
  }
  return id;
}

const wantsNdjson = (accept: string | undefined) =>
  accept?.split(',').some((part) => part.split(';')[0]?.trim().toLowerCase() === 'application/x-ndjson') ??
  false;

/**
 * Instance admins and the compliance role (with the admin scope) read the whole log; a
 * document's owner reads that document's entries only (the policy's `document.audit`).
 */
async function authorizeAudit(deps: RouteDeps, principal: Principal, documentId: string | undefined) {
  if (can(principal, 'audit.read', { kind: 'instance' })) return;
  if (documentId === undefined) {
    return forbidUnless(principal, 'audit.read', { kind: 'instance' }, { field: 'documentId' });
  }
  await authorizeDocument(deps.db, principal, documentId, 'document.audit');
}

/** The append-only, hash-chained audit log. */
export function auditRoutes(deps: RouteDeps) {
  const app = createRouter();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/',
      tags: ['audit'],
      summary: 'Audit entries, oldest first; Accept: application/x-ndjson streams every match',
      request: { query: AuditQuery },
      responses: {
        200: {
          description: 'a page of entries, or every match as one JSON entry per line',
          content: {
            'application/json': { schema: AuditList },
            'application/x-ndjson': { schema: z.string() },
          },
        },
        ...errors(400, 401, 403, 404, 429),
      },
    }),
    async (c) => {
      const query = c.req.valid('query');
      const principal = c.get('principal');
      await authorizeAudit(deps, principal, query.documentId);
      const filter: AuditFilter = {
        documentId: query.documentId,
        actorId: query.actorId,
        action: query.action,
        since: query.since ? new Date(query.since) : undefined,
        until: query.until ? new Date(query.until) : undefined,
      };
      let afterId = decodeCursor(query.cursor);

      if (wantsNdjson(c.req.header('accept'))) {
        // Pulled page by page as the client reads: memory stays at one page however
        // many entries match, and a slow reader slows the queries instead of buffering.
        const encoder = new TextEncoder();
        const log = c.get('log');
        const body = new ReadableStream<Uint8Array>(
          {
            async pull(controller) {
              try {
                const page = await listAuditEvents(deps.replica, filter, { afterId, limit: STREAM_PAGE });
                const last = page.at(-1);
                if (last) afterId = Number(last.id);
                const lines = page.map((e) => `${JSON.stringify(presentEntry(e))}\n`).join('');
                if (lines) controller.enqueue(encoder.encode(lines));
                if (page.length < STREAM_PAGE) controller.close();
              } catch (error) {
                // Headers are gone already: the client sees a truncated stream.
                log.error({ err: error }, 'audit stream failed');
                controller.error(error);
              }
            },
          },
          { highWaterMark: 1 },
        );
        // A stream is not one of the typed bodies zod-openapi knows; the route declares it.
        return c.body(body, 200, { 'content-type': 'application/x-ndjson; charset=utf-8' }) as never;
      }

      // One more than asked tells whether another page exists.
      const rows = await listAuditEvents(deps.db, filter, { afterId, limit: query.limit + 1 });
      const items = rows.slice(0, query.limit);
      const last = items.at(-1);
      return c.json(
        {
          items: items.map(presentEntry),
          nextCursor: rows.length > query.limit && last ? encodeCursor(Number(last.id)) : null,
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/verify',
      tags: ['audit'],
      summary: 'Recompute the hash chain over the whole log (admin, compliance)',
      responses: { 200: json(AuditVerification, 'the outcome'), ...errors(401, 403, 429) },
    }),
    async (c) => {
      const principal = c.get('principal');
      forbidUnless(principal, 'audit.read', { kind: 'instance' });
      const result = await verifyAuditChain(deps.replica);
      return c.json(
        {
          ok: result.ok,
          count: result.count,
          ...(result.brokenAt !== undefined ? { brokenAt: String(result.brokenAt) } : {}),
        },
        200,
      );
    },
  );

  return app;
}
