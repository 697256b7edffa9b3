import { randomUUID } from 'node:crypto';
import { type CollabBus, createCollabBus } from '@folio/shared';
import type { Db } from '@folio/shared/db';
import { checkReadiness } from '@folio/shared/health';
import type { Logger } from '@folio/shared/logger';
import type { Redis } from '@folio/shared/redis';
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { routePath } from 'hono/route';
import type { ApiConfig } from './config.js';
import { authenticate } from './http/auth.js';
import type { RouteDeps } from './http/deps.js';
import { docsPage } from './http/docs-page.js';
import type { AppEnv } from './http/env.js';
import { problem, renderError } from './http/problem.js';
import { memoryRateLimiter, rateLimit, redisRateLimiter } from './http/rate-limit.js';
import { createRouter } from './http/router.js';
import { createApiMetrics } from './metrics.js';
import { authRoutes, describeAuthRoutes } from './routes/auth.js';
import { documentContentRoutes } from './routes/document-content.js';
import { documentPermissionRoutes } from './routes/document-permissions.js';
import { documentRoutes } from './routes/documents.js';
import { meRoutes } from './routes/me.js';
import { tokenRoutes } from './routes/tokens.js';
import { workspaceRoutes } from './routes/workspaces.js';

export interface ApiDeps {
  config: ApiConfig;
  db: Db;
  /** Search and other heavy reads; `db` when there is no replica. */
  replica: Db;
  log: Logger;
  secretKey: string;
  redis?: Redis | undefined;
  /**
   * Where REST writes, deletions and permission changes are announced to collaboration
   * instances. Defaults to one over `redis` (or in-process without it); the all-in-one
   * launcher passes the collaboration server's own bus.
   */
  bus?: CollabBus | undefined;
}

export type { AppEnv } from './http/env.js';

/** Builds the REST API. No module state: tests build their own with `app.request()`. */
export function createApi(deps: ApiDeps) {
  const metrics = createApiMetrics();
  const app = createRouter();

  app.use(async (c, next) => {
    const incoming = c.req.header('x-request-id');
    const requestId = incoming && /^[\w.-]{1,64}$/.test(incoming) ? incoming : randomUUID();
    const log = deps.log.child({ requestId });
    c.set('requestId', requestId);
    c.set('log', log);
    c.header('x-request-id', requestId);
    const started = performance.now();
    await next();
    const seconds = (performance.now() - started) / 1000;
    const route = routePath(c);
    metrics.httpSeconds.observe({ method: c.req.method, route, status: String(c.res.status) }, seconds);
    log.info(
      { method: c.req.method, route, status: c.res.status, ms: Math.round(seconds * 1000) },
      'request',
    );
  });
  app.use(
    bodyLimit({
      maxSize: deps.config.MAX_BODY_BYTES,
      onError: (c) => problem(c, 413, `request body exceeds ${deps.config.MAX_BODY_BYTES} bytes`),
    }),
  );

  app.get('/healthz', (c) => c.json({ ok: true }));
  app.get('/readyz', async (c) => {
    const readiness = await checkReadiness({ db: deps.db, redis: deps.redis });
    return c.json(readiness, readiness.ok ? 200 : 503);
  });
  app.get('/metrics', async (c) =>
    c.body(await metrics.registry.metrics(), 200, { 'content-type': metrics.registry.contentType }),
  );

  const bus =
    deps.bus ?? createCollabBus({ redis: deps.redis, prefix: deps.config.REDIS_KEY_PREFIX, log: deps.log });
  const routeDeps: RouteDeps = {
    config: deps.config,
    db: deps.db,
    replica: deps.replica,
    secretKey: deps.secretKey,
    bus,
  };
  const limiter = deps.redis
    ? redisRateLimiter(deps.redis, deps.config.REDIS_KEY_PREFIX)
    : memoryRateLimiter();
  const guard: MiddlewareHandler<AppEnv>[] = [
    authenticate({ db: deps.db, publicOrigin: new URL(deps.config.PUBLIC_URL).origin }),
    rateLimit(limiter, deps.config.RATE_LIMIT_PER_MINUTE, deps.log),
  ];
  // Guarded per resource rather than on /v1/* so an unknown /v1 path is a 404, not a 401.
  const resources = [
    ['/v1/me', meRoutes(routeDeps)],
    ['/v1/tokens', tokenRoutes(routeDeps)],
    ['/v1/workspaces', workspaceRoutes(routeDeps)],
    ['/v1/documents', documentRoutes(routeDeps)],
    ['/v1/documents', documentContentRoutes(routeDeps)],
    ['/v1/documents', documentPermissionRoutes(routeDeps)],
  ] as const;
  for (const prefix of new Set(resources.map(([p]) => p))) app.use(`${prefix}/*`, ...guard);
  for (const [prefix, router] of resources) app.route(prefix, router);
  app.route('/auth', authRoutes({ ...routeDeps, log: deps.log }));
  describeAuthRoutes(app.openAPIRegistry);

  app.openAPIRegistry.registerComponent('securitySchemes', 'apiToken', {
    type: 'http',
    scheme: 'bearer',
    description: 'An API token (folio_…); scopes read, write, admin narrow what it may do.',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'session', {
    type: 'apiKey',
    in: 'cookie',
    name: 'folio_session',
    description: 'Browser session from /auth/login; writes need a same-origin Origin header.',
  });
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: { title: 'Folio API', version: '1.0.0' },
    security: [{ apiToken: [] }, { session: [] }],
  });
  app.get('/docs', (c) => c.html(docsPage));

  app.notFound((c) => problem(c, 404, `no route for ${c.req.method} ${c.req.path}`));
  app.onError(renderError);
  return { app, metrics, bus };
}

export type Api = ReturnType<typeof createApi>;
