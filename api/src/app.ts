import { type CollabBus, createCollabBus } from '@folio/shared';
import type { Db } from '@folio/shared/db';
import { createContentConverter } from '@folio/shared/documents';
import { checkReadiness, metricsRequestAllowed } from '@folio/shared/health';
import { type JobQueue, QUEUES } from '@folio/shared/jobs';
import type { Logger } from '@folio/shared/logger';
import type { Redis } from '@folio/shared/redis';
import {
  httpMethod,
  httpResponseAttributes,
  httpServerAttributes,
  noopTracing,
  type Tracing,
} from '@folio/shared/tracing';
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { secureHeaders } from 'hono/secure-headers';
import type { ApiConfig } from './config.js';
import { createErasureWorker } from './erasure-worker.js';
import { authenticate } from './http/authenticate.js';
import type { RouteDeps } from './http/deps.js';
import { docsContentSecurityPolicy, type OpenApiDocument, renderDocsPage } from './http/docs-page.js';
import type { AppEnv } from './http/env.js';
import { problem, renderError } from './http/problem.js';
import { createRateLimiter, rateLimit } from './http/rate-limit.js';
import {
  assignRequestId,
  logRequest,
  measureRequest,
  refuseNulCharacters,
  traceRequest,
} from './http/request-middleware.js';
import { routeNotFound } from './http/route-not-found.js';
import { createRouter } from './http/router.js';
import { createApiMetrics } from './metrics.js';
import { auditRoutes } from './routes/audit.js';
import { authRoutes, describeAuthRoutes } from './routes/auth.js';
import { documentContentRoutes } from './routes/document-content.js';
import { documentDiffRoutes } from './routes/document-diff.js';
import { documentPermissionRoutes } from './routes/document-permissions.js';
import { documentVersionRoutes } from './routes/document-versions.js';
import { documentRoutes } from './routes/documents.js';
import { gdprRoutes } from './routes/gdpr.js';
import { invitationRoutes } from './routes/invitations.js';
import { meRoutes } from './routes/me.js';
import { searchRoutes } from './routes/search.js';
import { tokenRoutes } from './routes/tokens.js';
import { userRoutes } from './routes/users.js';
import { defaultWebAppRoot, webAppRoutes } from './routes/web-app.js';
import { webhookRoutes, workspaceWebhookRoutes } from './routes/webhooks.js';
import { workspaceAgentTokenRoutes } from './routes/workspace-agent-tokens.js';
import { workspaceRoutes } from './routes/workspaces.js';
import { type RunningApi, serveApi } from './serve.js';

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
  /** One server span per request when on; off by default. */
  tracing?: Tracing | undefined;
  /** The job queue (started by the launcher): erasures and redeliveries go on it. */
  jobs: JobQueue;
  /**
   * Carry out erasure requests in this process (`erasureWorker.kick()` on each request)
   * instead of through the queue's workers: for tests that run no worker. Only then is
   * an erasure worker built.
   */
  inProcessErasures?: boolean | undefined;
  /**
   * The built web app served under /app (web/dist); defaults to the installed
   * @folio/web package's. Null serves none (/app answers 503).
   */
  webAppRoot?: string | null | undefined;
}

export type { AppEnv } from './http/env.js';

/** Builds the REST API. No module state: tests build their own with `app.request()`. */
export function createApi(deps: ApiDeps) {
  const metrics = createApiMetrics(deps.jobs, deps.db);
  const app = createRouter();

  app.use(
    assignRequestId(deps.log),
    traceRequest(deps.tracing ?? noopTracing, deps.log),
    measureRequest(metrics.httpSeconds),
    logRequest(),
  );
  // nosniff, no framing, no referrer, same-origin resource policy and friends on every
  // response. Responses are JSON or problem+json, never meant to be rendered: the default
  // policy allows nothing. /docs sets its own policy (overwrite: false keeps it).
  app.use(
    secureHeaders({
      overwrite: false,
      xFrameOptions: 'DENY',
      contentSecurityPolicy: { defaultSrc: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'none'"] },
    }),
  );
  app.use(refuseNulCharacters());
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
  app.get('/metrics', async (c) => {
    if (!metricsRequestAllowed(c.req.header('authorization'), deps.config.METRICS_TOKEN)) {
      c.header('WWW-Authenticate', 'Bearer realm="metrics"');
      return problem(c, 401, '/metrics needs Authorization: Bearer <METRICS_TOKEN>');
    }
    return c.body(await metrics.registry.metrics(), 200, { 'content-type': metrics.registry.contentType });
  });

  const bus =
    deps.bus ??
    createCollabBus({
      redis: deps.redis,
      prefix: deps.config.REDIS_KEY_PREFIX,
      log: deps.log,
      tracing: deps.tracing ?? noopTracing,
    });
  const ownsBus = deps.bus === undefined;
  // Its worker threads start on the first large body and stop when idle; the process's
  // launcher closes it on shutdown.
  const contentConverter = createContentConverter();
  const routeDeps: RouteDeps = {
    config: deps.config,
    db: deps.db,
    replica: deps.replica,
    secretKey: deps.secretKey,
    bus,
    contentConverter,
    jobs: deps.jobs,
  };
  // Erasure requests go on the job queue, where workers carry them out; a test that runs
  // no worker asks for them to be carried out here instead.
  const erasureWorker = deps.inProcessErasures
    ? createErasureWorker({
        db: deps.db,
        log: deps.log,
        bus,
        redis: deps.redis,
        redisPrefix: deps.config.REDIS_KEY_PREFIX,
      })
    : undefined;
  const kickErasures = erasureWorker
    ? async () => {
        // Not awaited: the erasure runs after the 202.
        void erasureWorker.kick();
      }
    : () => deps.jobs.send(QUEUES.erasure, {}, { singletonKey: 'drain' });
  const limiter = createRateLimiter({
    perMinute: deps.config.RATE_LIMIT_PER_MINUTE,
    redis: deps.redis,
    prefix: deps.config.REDIS_KEY_PREFIX,
  });
  const guard: MiddlewareHandler<AppEnv>[] = [
    authenticate({ db: deps.db, publicOrigin: new URL(deps.config.PUBLIC_URL).origin }),
    rateLimit(limiter, deps.log),
  ];
  // Guarded per resource rather than on /v1/* so an unknown /v1 path is a 404, not a 401.
  const resources = [
    ['/v1/me', meRoutes(routeDeps)],
    ['/v1/users', userRoutes(routeDeps)],
    ['/v1/tokens', tokenRoutes(routeDeps)],
    ['/v1/workspaces', workspaceRoutes(routeDeps)],
    ['/v1/workspaces', workspaceAgentTokenRoutes(routeDeps)],
    ['/v1/workspaces', workspaceWebhookRoutes(routeDeps)],
    ['/v1/webhooks', webhookRoutes(routeDeps)],
    ['/v1/invitations', invitationRoutes(routeDeps)],
    ['/v1/gdpr', gdprRoutes(routeDeps, kickErasures)],
    ['/v1/documents', documentRoutes(routeDeps)],
    ['/v1/documents', documentContentRoutes(routeDeps)],
    ['/v1/documents', documentDiffRoutes(routeDeps)],
    ['/v1/documents', documentPermissionRoutes(routeDeps)],
    ['/v1/documents', documentVersionRoutes(routeDeps)],
    ['/v1/search', searchRoutes(routeDeps)],
    ['/v1/audit', auditRoutes(routeDeps)],
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
  const openApiConfig = {
    openapi: '3.1.0',
    info: { title: 'Folio API', version: '1.0.0' },
    security: [{ apiToken: [] as string[] }, { session: [] as string[] }] as Record<string, string[]>[],
  };
  app.doc31('/openapi.json', openApiConfig);
  // Rendered once, on first request, when every route is registered.
  let docs: string | undefined;
  app.get('/docs', (c) => {
    docs ??= renderDocsPage(app.getOpenAPI31Document(openApiConfig) as OpenApiDocument, {
      publicUrl: deps.config.PUBLIC_URL,
      sso: deps.config.OIDC_ISSUER !== undefined,
    });
    c.header('Content-Security-Policy', docsContentSecurityPolicy);
    return c.html(docs);
  });

  app.route(
    '/app',
    webAppRoutes({
      root: deps.webAppRoot === null ? undefined : (deps.webAppRoot ?? defaultWebAppRoot()),
      collabPublicUrl: deps.config.COLLAB_PUBLIC_URL,
    }),
  );

  app.get('/', (c) => c.redirect('/docs', 302));
  // A path that exists with other methods is a 405 naming them, not a 404.
  app.notFound(routeNotFound(app.routes));
  app.onError(renderError);

  let served: RunningApi | undefined;
  let closing: Promise<void> | undefined;
  return {
    app,
    metrics,
    bus,
    /** Present with `inProcessErasures` only. */
    erasureWorker,
    contentConverter,
    /**
     * Serves the API (on API_PORT and HOST unless given) and starts what it owns; resolves
     * with the bound port (API_PORT may be 0). In-process use (`app.request()`) needs no start.
     */
    async start(at: { port?: number; host?: string } = {}): Promise<number> {
      if (closing) throw new Error('the API was closed');
      served ??= await serveApi(app, {
        port: at.port ?? deps.config.API_PORT,
        host: at.host ?? deps.config.HOST,
      });
      erasureWorker?.start();
      return served.port;
    },
    /**
     * Stops accepting requests (those in flight finish), then stops the erasure worker,
     * the content converter's threads and the bus it built (not one it was given).
     * Idempotent; the job queue, database and Redis belong to the launcher.
     */
    close(): Promise<void> {
      closing ??= (async () => {
        await served?.close();
        await erasureWorker?.stop();
        await contentConverter.close();
        if (ownsBus) await bus.close();
      })();
      return closing;
    },
  };
}

export type Api = ReturnType<typeof createApi>;
