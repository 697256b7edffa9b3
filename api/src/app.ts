import { randomUUID } from 'node:crypto';
import type { Db } from '@folio/shared/db';
import { checkReadiness } from '@folio/shared/health';
import type { Logger } from '@folio/shared/logger';
import type { Redis } from '@folio/shared/redis';
import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { routePath } from 'hono/route';
import type { ApiConfig } from './config.js';
import { problem, renderError } from './http/problem.js';
import { createApiMetrics } from './metrics.js';

export interface ApiDeps {
  config: ApiConfig;
  db: Db;
  /** Search and other heavy reads; `db` when there is no replica. */
  replica: Db;
  log: Logger;
  secretKey: string;
  redis?: Redis | undefined;
}

export interface AppEnv {
  Variables: { requestId: string; log: Logger };
}

/** Builds the REST API. No module state: tests build their own with `app.request()`. */
export function createApi(deps: ApiDeps) {
  const metrics = createApiMetrics();
  const app = new OpenAPIHono<AppEnv>({
    // Validation failures become problem+json naming the first offending field.
    defaultHook: (result, c) => {
      if (!result.success) {
        const issue = result.error.issues[0];
        const field = issue?.path.join('.') || undefined;
        return problem(
          c,
          400,
          issue ? `${field ? `${field}: ` : ''}${issue.message}` : 'invalid request',
          field ? { field } : {},
        );
      }
    },
  });

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

  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: { title: 'Folio API', version: '1.0.0' },
  });

  app.notFound((c) => problem(c, 404, `no route for ${c.req.method} ${c.req.path}`));
  app.onError(renderError);
  return { app, metrics };
}

export type Api = ReturnType<typeof createApi>;
