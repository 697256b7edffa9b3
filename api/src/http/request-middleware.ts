import { randomUUID } from 'node:crypto';
import type { Logger } from '@folio/shared/logger';
import {
  httpMethod,
  httpResponseAttributes,
  httpServerAttributes,
  type Tracing,
} from '@folio/shared/tracing';
import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import type { Histogram } from 'prom-client';
import type { AppEnv } from './env.js';
import { problem } from './problem.js';

/*
 * What every request goes through before its route, outermost first (app.ts installs
 * them in this order): an id, a span, a duration metric and an access log line. Each
 * reads what the one before it set on the context.
 */

const REQUEST_ID = /^[\w.-]{1,64}$/;

/**
 * The request's id: the caller's `x-request-id` when it is a plain token (so a chain of
 * services shares one), else a new UUID. Echoed on the response; problem bodies carry it.
 */
export function assignRequestId(log: Logger): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const incoming = c.req.header('x-request-id');
    const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    c.set('requestId', requestId);
    c.set('log', log.child({ requestId }));
    c.header('x-request-id', requestId);
    await next();
  };
}

/**
 * One server span per request. It is named by the route template once routing has
 * happened; a caller's W3C `traceparent` makes this request part of the caller's trace.
 * Log lines of the request carry the trace id.
 */
export function traceRequest(tracing: Tracing, log: Logger): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const method = c.req.method;
    const requestId = c.get('requestId');
    const header = (name: string) => c.req.header(name);
    // OpenTelemetry's HTTP semantic conventions (shared/src/tracing/semantic-conventions.ts).
    const options = {
      kind: 'server' as const,
      headers: header,
      attributes: {
        ...httpServerAttributes({ method, path: c.req.path, header }),
        'folio.request_id': requestId,
      },
    };
    await tracing.inSpan(httpMethod(method), options, async (span) => {
      if (span.traceId) c.set('log', log.child({ requestId, traceId: span.traceId }));
      await next();
      const route = routePath(c);
      const status = c.res.status;
      span.updateName(`${httpMethod(method)} ${route}`);
      span.setAttributes(httpResponseAttributes(route, status));
      if (status >= 500) span.fail(c.error);
    });
  };
}

/** `folio_http_request_duration_seconds` by method, route template and status. */
export function measureRequest(
  histogram: Histogram<'method' | 'route' | 'status'>,
): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    await next();
    const seconds = (performance.now() - started) / 1000;
    histogram.observe({ method: c.req.method, route: routePath(c), status: String(c.res.status) }, seconds);
  };
}

/** One `request` line per request, with its route template, status and duration. */
export function logRequest(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    await next();
    const ms = Math.round(performance.now() - started);
    c.get('log').info({ method: c.req.method, route: routePath(c), status: c.res.status, ms }, 'request');
  };
}

/**
 * Postgres text cannot hold NUL; without this a NUL in any parameter surfaced as a 500
 * from the driver. Rejected once here, for every route, naming the parameter.
 */
export function refuseNulCharacters(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (/%00|\0/.test(c.req.path)) {
      return problem(c, 400, 'path: must not contain NUL characters', { field: 'path' });
    }
    for (const [name, values] of Object.entries(c.req.queries())) {
      if (values.some((v) => v.includes('\0'))) {
        return problem(c, 400, `${name}: must not contain NUL characters`, { field: name });
      }
    }
    await next();
  };
}
