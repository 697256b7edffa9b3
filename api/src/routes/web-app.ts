import { readFile } from 'node:fs/promises';
import { dirname, extname, join } from 'node:path';
import { type Context, Hono } from 'hono';
import type { AppEnv } from '../http/env.js';
import { problem } from '../http/problem.js';

/**
 * The web app (`web/`, built by Vite into web/dist) under /app: hashed assets cached for
 * a year, every other /app path the app's index.html (the app routes in the browser).
 * Nothing here needs a credential: the app signs in through /auth and calls /v1 with the
 * session cookie.
 */

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

/** Where `pnpm run build` put the app: the @folio/web package's dist/, if it is installed. */
export function defaultWebAppRoot(): string | undefined {
  try {
    return join(dirname(new URL(import.meta.resolve('@folio/web/package.json')).pathname), 'dist');
  } catch {
    return undefined;
  }
}

/**
 * Scripts only from here; the WebSocket to the collaboration server is the one place the
 * app talks to another origin. Inline styles are allowed because ProseMirror and Tiptap
 * set style attributes on the document's nodes.
 */
export function webAppContentSecurityPolicy(collabPublicUrl: string): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    `connect-src 'self' ${new URL(collabPublicUrl).origin}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export function webAppRoutes(options: { root: string | undefined; collabPublicUrl: string }) {
  const app = new Hono<AppEnv>();
  const csp = webAppContentSecurityPolicy(options.collabPublicUrl);
  const missing = (c: Context<AppEnv>) =>
    problem(c, 503, 'the web app is not built: run `pnpm run build` (or ./scripts/setup)');

  app.get('/assets/:file', async (c) => {
    const file = c.req.param('file');
    // Vite's names: letters, digits, dashes, underscores and dots; never a path.
    if (!options.root || !/^[\w-]+(\.[\w-]+)*$/.test(file)) return problem(c, 404, `no asset ${file}`);
    const type = TYPES[extname(file)];
    if (!type) return problem(c, 404, `no asset ${file}`);
    let body: Buffer;
    try {
      body = await readFile(join(options.root, 'assets', file));
    } catch {
      return problem(c, 404, `no asset ${file}`);
    }
    // Content-hashed names: a new build has new names, so these never change.
    c.header('Cache-Control', 'public, max-age=31536000, immutable');
    c.header('Content-Type', type);
    return c.body(new Uint8Array(body));
  });

  app.get('/*', async (c) => {
    if (c.req.path === '/app') return c.redirect('/app/', 301);
    if (!options.root) return missing(c);
    let html: string;
    try {
      html = await readFile(join(options.root, 'index.html'), 'utf8');
    } catch {
      return missing(c);
    }
    c.header('Content-Security-Policy', csp);
    c.header('Cache-Control', 'no-cache');
    return c.html(html);
  });
  return app;
}
