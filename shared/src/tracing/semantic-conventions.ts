/**
 * Attribute names and values from OpenTelemetry's semantic conventions (HTTP, database,
 * messaging), in one place so that the API, the collaboration server, the job queue and
 * the query spans name things alike. Values never include secrets: no query strings (a
 * y-websocket URL carries its token there), no SQL parameters, no message bodies.
 */
import type { SpanAttributes } from './tracing.js';

const KNOWN_METHODS = new Set([
  'CONNECT',
  'DELETE',
  'GET',
  'HEAD',
  'OPTIONS',
  'PATCH',
  'POST',
  'PUT',
  'TRACE',
]);

/** `http.request.method`: the method, or `_OTHER` for one the conventions do not know. */
export const httpMethod = (method: string) => (KNOWN_METHODS.has(method) ? method : '_OTHER');

/**
 * Attributes of an HTTP server span known when the request arrives. `scheme` is the one
 * the client used: `x-forwarded-proto` from the TLS-terminating proxy, else `http`.
 */
export function httpServerAttributes(request: {
  method: string;
  path: string;
  header(name: string): string | undefined;
}): SpanAttributes {
  const forwarded = request.header('x-forwarded-proto')?.split(',')[0]?.trim();
  return {
    'http.request.method': httpMethod(request.method),
    'url.path': request.path,
    'url.scheme': forwarded === 'https' || forwarded === 'http' ? forwarded : 'http',
    'user_agent.original': request.header('user-agent'),
    'network.protocol.name': 'http',
  };
}

/** Attributes set when the response is known; `error.type` is the status for 5xx. */
export function httpResponseAttributes(route: string, status: number): SpanAttributes {
  return {
    'http.route': route,
    'http.response.status_code': status,
    'error.type': status >= 500 ? String(status) : undefined,
  };
}

/** `db.*` and `server.*` of a Postgres connection URL (no user, no password). */
export function databaseAttributes(url: string | undefined): SpanAttributes {
  if (!url) return { 'db.system.name': 'postgresql', 'db.namespace': 'pglite' };
  const parsed = new URL(url);
  return {
    'db.system.name': 'postgresql',
    'db.namespace': decodeURIComponent(parsed.pathname.replace(/^\//, '')) || undefined,
    'server.address': parsed.hostname,
    'server.port': Number(parsed.port || 5432),
  };
}

/**
 * Attributes of a messaging span: `system` is `redis` for pub/sub, `pg-boss` for the job
 * queue (neither is in the conventions' list of well-known systems, which allows others).
 */
export function messagingAttributes(message: {
  system: 'redis' | 'pg-boss';
  operation: 'publish' | 'send' | 'process';
  destination: string;
  bodyBytes?: number | undefined;
  messageId?: string | undefined;
}): SpanAttributes {
  return {
    'messaging.system': message.system,
    'messaging.operation.name': message.operation,
    'messaging.operation.type': message.operation === 'process' ? 'process' : 'send',
    'messaging.destination.name': message.destination,
    'messaging.message.body.size': message.bodyBytes,
    'messaging.message.id': message.messageId,
  };
}
