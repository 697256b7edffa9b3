import { createHash } from 'node:crypto';

/**
 * GET /docs: a self-contained page that renders /openapi.json — every route with its
 * parameters, request body and responses, and the schemas. No CDN, no external assets:
 * it works on a machine without internet access.
 */
export const docsPage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Folio API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  body { font: 15px/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 960px; padding: 0 1rem; color: #222; }
  h2 { border-bottom: 1px solid #ddd; padding-bottom: .25rem; margin-top: 2rem; }
  details { border: 1px solid #e3e3e3; border-radius: 6px; margin: .4rem 0; padding: .3rem .6rem; }
  summary { cursor: pointer; }
  .m { display: inline-block; min-width: 4.2rem; font: 600 12px monospace; text-transform: uppercase; }
  .get { color: #1769aa; } .post { color: #2e7d32; } .put { color: #b26a00; } .patch { color: #6a1b9a; } .delete { color: #c62828; }
  code, pre { font-family: ui-monospace, monospace; font-size: 13px; }
  pre { background: #f6f8fa; padding: .5rem; overflow: auto; border-radius: 4px; }
</style>
</head>
<body>
<h1>Folio API</h1>
<p>Authenticate with <code>Authorization: Bearer &lt;api token&gt;</code> or a session from
<a href="/auth/login">/auth/login</a>. Errors are <code>application/problem+json</code>.
Machine-readable: <a href="/openapi.json">/openapi.json</a>.</p>
<div id="routes">Loading…</div>
<h2>Schemas</h2>
<div id="schemas"></div>
<script>
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
const pretty = (v) => '<pre>' + esc(JSON.stringify(v, null, 2)) + '</pre>';
fetch('/openapi.json').then((r) => r.json()).then((spec) => {
  const byTag = {};
  for (const [path, ops] of Object.entries(spec.paths || {})) {
    for (const [method, op] of Object.entries(ops)) {
      const tag = (op.tags && op.tags[0]) || 'other';
      (byTag[tag] = byTag[tag] || []).push({ path, method, op });
    }
  }
  let html = '';
  for (const [tag, routes] of Object.entries(byTag)) {
    html += '<h2>' + esc(tag) + '</h2>';
    for (const { path, method, op } of routes) {
      html += '<details><summary><span class="m ' + method + '">' + method + '</span> <code>' + esc(path) +
        '</code> — ' + esc(op.summary || '') + '</summary>';
      if (op.parameters && op.parameters.length) {
        html += '<p><b>Parameters</b></p><ul>' + op.parameters.map((p) =>
          '<li><code>' + esc(p.name) + '</code> (' + esc(p.in) + (p.required ? ', required' : '') + ') ' +
          esc((p.schema && (p.schema.type || '')) || '') + '</li>').join('') + '</ul>';
      }
      if (op.requestBody) html += '<p><b>Body</b></p>' + pretty(op.requestBody.content);
      html += '<p><b>Responses</b></p><ul>' + Object.entries(op.responses || {}).map(([code, r]) =>
        '<li><code>' + esc(code) + '</code> ' + esc(r.description || '') + '</li>').join('') + '</ul></details>';
    }
  }
  document.getElementById('routes').innerHTML = html;
  document.getElementById('schemas').innerHTML = Object.entries((spec.components || {}).schemas || {})
    .map(([name, s]) => '<details><summary><code>' + esc(name) + '</code></summary>' + pretty(s) + '</details>').join('');
}).catch((e) => { document.getElementById('routes').textContent = 'Cannot load /openapi.json: ' + e; });
</script>
</body>
</html>
`;

const inlineHashes = (tag: 'script' | 'style') =>
  [...docsPage.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g'))].map(
    ([, body]) =>
      `'sha256-${createHash('sha256')
        .update(body ?? '')
        .digest('base64')}'`,
  );

/**
 * The page's own Content-Security-Policy: its inline script and style are allowed by
 * hash (not 'unsafe-inline'), it may fetch /openapi.json from this origin, and nothing
 * else. Hashes are computed from the page itself, so editing it cannot break the policy.
 */
export const docsContentSecurityPolicy = [
  "default-src 'none'",
  `script-src ${inlineHashes('script').join(' ')}`,
  `style-src ${inlineHashes('style').join(' ')}`,
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
