/**
 * The span of a WebSocket upgrade, named and described by OpenTelemetry's HTTP server
 * conventions: `GET /yjs/:documentId` (y-websocket) or `GET /` (Hocuspocus), the path
 * without its query (which carries a y-websocket client's token).
 */
import type { IncomingMessage } from 'node:http';
import { httpServerAttributes, type SpanAttributes } from '@folio/shared/tracing';

/** One value of a request header (the first, if repeated). */
export function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

export function upgradeSpan(req: IncomingMessage): { name: string; attributes: SpanAttributes } {
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  const route = path.startsWith('/yjs/') ? '/yjs/:documentId' : '/';
  const request = { method: req.method ?? 'GET', path, header: (name: string) => headerValue(req, name) };
  const attributes: SpanAttributes = { ...httpServerAttributes(request), 'http.route': route };
  return { name: `${attributes['http.request.method']} ${route}`, attributes };
}
