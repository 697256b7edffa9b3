import type { Context } from 'hono';
import { problem } from './problem.js';

/**
 * The answer for a request no route matched: a 405 with `Allow` when the path exists with
 * other methods, else a 404 naming method and path.
 */
export function routeNotFound(routes: readonly { method: string; path: string }[]) {
  const allowedMethods = methodsByPath(routes);
  return (c: Context) => {
    const allow = allowedMethods(c.req.path);
    if (allow.length > 0) {
      c.header('Allow', allow.join(', '));
      return problem(c, 405, `${c.req.method} is not allowed on ${c.req.path}; use ${allow.join(', ')}`);
    }
    return problem(c, 404, `no route for ${c.req.method} ${c.req.path}`);
  };
}

/**
 * The methods registered for a concrete path (`/v1/documents/abc/content` → GET, PUT),
 * from the router's route list; middleware (method ALL) does not count. Read on first
 * use, when every route is registered.
 */
function methodsByPath(routes: readonly { method: string; path: string }[]): (path: string) => string[] {
  let table: { pattern: RegExp; method: string }[] | undefined;
  return (path) => {
    table ??= routes
      .filter((r) => r.method !== 'ALL' && !r.path.includes('*'))
      .map((r) => ({
        method: r.method,
        pattern: new RegExp(
          `^${r.path
            .split('/')
            .map((part) => (part.startsWith(':') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
            .join('/')}/?$`,
        ),
      }));
    const methods = new Set(table.filter((r) => r.pattern.test(path)).map((r) => r.method));
    if (methods.has('GET')) methods.add('HEAD');
    return [...methods].sort();
  };
}
