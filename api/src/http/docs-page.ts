import { createHash } from 'node:crypto';

/**
 * GET /docs: the OpenAPI document rendered on the server into one self-contained page
 * for a person — how to authenticate, then every route with its parameters, its request
 * and response bodies (fields inline, an example of each) and a curl line to paste. No
 * script, no CDN, no external assets: it works on a machine without internet access.
 */

interface Schema {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
  const?: unknown;
  format?: string;
  description?: string;
  default?: unknown;
  example?: unknown;
  minimum?: number;
  minLength?: number;
  maxLength?: number;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  additionalProperties?: boolean | Schema;
}

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  description?: string;
  schema?: Schema;
}

interface Operation {
  summary?: string;
  tags?: string[];
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: Schema }> }>;
}

export interface OpenApiDocument {
  paths?: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
}

export interface DocsOptions {
  /** The API's external URL, for the curl lines. */
  publicUrl: string;
  /** Whether OIDC sign-in is configured (only then does the page mention /auth/login). */
  sso: boolean;
}

const esc = (s: unknown) =>
  String(s).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

/** Deep enough for every schema Folio has; a deeper (recursive) one is cut, not looped. */
const MAX_DEPTH = 6;

class SchemaReader {
  constructor(private readonly components: Record<string, Schema>) {}

  resolve(schema: Schema | undefined): Schema {
    let current = schema ?? {};
    for (let hops = 0; current.$ref && hops < 10; hops++) {
      current = this.components[current.$ref.replace('#/components/schemas/', '')] ?? {};
    }
    const alternatives = current.anyOf ?? current.oneOf;
    if (alternatives) {
      const first = alternatives.map((s) => this.resolve(s)).find((s) => s.type !== 'null');
      return { ...first, description: current.description ?? first?.description };
    }
    if (current.allOf) {
      const merged: Schema = { properties: {}, required: [] };
      for (const part of current.allOf) {
        const { properties, required, ...rest } = this.resolve(part);
        Object.assign(merged, rest);
        Object.assign(merged.properties as Record<string, Schema>, properties);
        merged.required?.push(...(required ?? []));
      }
      return merged;
    }
    return current;
  }

  typeName(schema: Schema | undefined): string {
    const s = this.resolve(schema);
    if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(' | ');
    if (s.const !== undefined) return JSON.stringify(s.const);
    const type = Array.isArray(s.type) ? s.type.filter((t) => t !== 'null').join(' | ') : s.type;
    if (type === 'array') return `${this.typeName(s.items)}[]`;
    const nullable = Array.isArray(s.type) && s.type.includes('null') ? ' | null' : '';
    return `${type ?? 'any'}${s.format ? ` (${s.format})` : ''}${nullable}`;
  }

  example(schema: Schema | undefined, depth = 0): unknown {
    const s = this.resolve(schema);
    if (s.example !== undefined) return s.example;
    if (s.default !== undefined) return s.default;
    if (s.const !== undefined) return s.const;
    if (s.enum) return s.enum[0];
    if (depth > MAX_DEPTH) return null;
    const type = Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type;
    switch (type) {
      case 'object':
        return Object.fromEntries(
          Object.entries(s.properties ?? {}).map(([k, v]) => [k, this.example(v, depth + 1)]),
        );
      case 'array':
        return [this.example(s.items, depth + 1)];
      case 'integer':
      case 'number':
        return s.minimum ?? 1;
      case 'boolean':
        return true;
      case 'string':
        return stringExample(s);
      default:
        return null;
    }
  }

  /** A field list: name, type, required, description; nested objects indented. */
  fields(schema: Schema | undefined, depth = 0): string {
    const s = this.resolve(schema);
    const target = s.type === 'array' ? this.resolve(s.items) : s;
    if (!target.properties || depth > MAX_DEPTH) return '';
    const required = new Set(target.required ?? []);
    const rows = Object.entries(target.properties).map(([name, property]) => {
      const nested = this.fields(property, depth + 1);
      return (
        `<li><code>${esc(name)}</code> <span class="t">${esc(this.typeName(property))}</span>` +
        `${required.has(name) ? ' <b>required</b>' : ''}` +
        `${this.resolve(property).description ? ` — ${esc(this.resolve(property).description)}` : ''}${nested}</li>`
      );
    });
    return `<ul>${rows.join('')}</ul>`;
  }
}

function stringExample(s: Schema): string {
  switch (s.format) {
    case 'date-time':
      return '2026-12-02T10:00:00.000Z';
    case 'email':
      return 'ada@example.com';
    case 'uri':
    case 'url':
      return 'https://example.com/hook';
    case 'uuid':
      return '01936f0e-8d3c-7c1a-9b7e-2f4c6a8d0e12';
    default:
      return s.minLength && s.minLength > 6 ? 'x'.repeat(s.minLength) : 'string';
  }
}

const jsonOf = (content: Record<string, { schema?: Schema }> | undefined) =>
  content?.['application/json'] ?? content?.['application/problem+json'];

function curlLine(method: string, path: string, op: Operation, reader: SchemaReader, base: string): string {
  const query = (op.parameters ?? []).filter((p) => p.in === 'query' && p.required);
  const url = `${base}${path.replace(/\{([^}]+)\}/g, (_, name: string) => `<${name}>`)}${
    query.length ? `?${query.map((p) => `${p.name}=<${p.name}>`).join('&')}` : ''
  }`;
  const parts = [
    `curl -s${method === 'get' ? '' : ` -X ${method.toUpperCase()}`}`,
    '-H "Authorization: Bearer $TOKEN"',
  ];
  const body = op.requestBody?.content;
  if (body?.['application/json']) {
    parts.push("-H 'content-type: application/json'");
    parts.push(
      `-d '${JSON.stringify(reader.example(body['application/json'].schema)).replaceAll("'", "'\\''")}'`,
    );
  } else if (body?.['application/octet-stream']) {
    parts.push("-H 'content-type: application/octet-stream' --data-binary @update.bin");
  }
  parts.push(`'${url}'`);
  return parts.join(' ');
}

function renderOperation(method: string, path: string, op: Operation, reader: SchemaReader, base: string) {
  let html = `<details id="${esc(`${method}-${path}`)}"><summary><span class="m ${esc(method)}">${esc(method)}</span> <code>${esc(path)}</code> — ${esc(op.summary ?? '')}</summary>`;
  html += `<pre>${esc(curlLine(method, path, op, reader, base))}</pre>`;
  if (op.parameters?.length) {
    html += `<p><b>Parameters</b></p><ul>${op.parameters
      .map(
        (p) =>
          `<li><code>${esc(p.name)}</code> (${esc(p.in)}${p.required ? ', <b>required</b>' : ''}) <span class="t">${esc(reader.typeName(p.schema))}</span>${p.description ? ` — ${esc(p.description)}` : ''}</li>`,
      )
      .join('')}</ul>`;
  }
  const body = op.requestBody?.content;
  if (body) {
    const json = body['application/json'];
    html += '<p><b>Request body</b></p>';
    if (json) {
      html += reader.fields(json.schema);
      html += `<pre>${esc(JSON.stringify(reader.example(json.schema), null, 2))}</pre>`;
    } else {
      html += `<p>${Object.keys(body)
        .map((t) => `<code>${esc(t)}</code>`)
        .join(', ')}</p>`;
    }
  }
  html += '<p><b>Responses</b></p><ul>';
  for (const [code, response] of Object.entries(op.responses ?? {})) {
    html += `<li><code>${esc(code)}</code> ${esc(response.description ?? '')}`;
    const json = jsonOf(response.content);
    if (code.startsWith('2') && json?.schema) {
      html += reader.fields(json.schema);
      html += `<pre>${esc(JSON.stringify(reader.example(json.schema), null, 2))}</pre>`;
    }
    html += '</li>';
  }
  return `${html}</ul></details>`;
}

const style = `
  body { font: 15px/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 980px; padding: 0 1rem; color: #222; }
  h2 { border-bottom: 1px solid #ddd; padding-bottom: .25rem; margin-top: 2rem; }
  details { border: 1px solid #e3e3e3; border-radius: 6px; margin: .4rem 0; padding: .3rem .6rem; }
  summary { cursor: pointer; }
  .m { display: inline-block; min-width: 4.2rem; font: 600 12px monospace; text-transform: uppercase; }
  .get { color: #1769aa; } .post { color: #2e7d32; } .put { color: #b26a00; } .patch { color: #6a1b9a; } .delete { color: #c62828; }
  .t { color: #666; font-size: 13px; }
  code, pre { font-family: ui-monospace, monospace; font-size: 13px; }
  pre { background: #f6f8fa; padding: .5rem; overflow: auto; border-radius: 4px; white-space: pre-wrap; }
`;

export function renderDocsPage(spec: OpenApiDocument, options: DocsOptions): string {
  const reader = new SchemaReader(spec.components?.schemas ?? {});
  const base = options.publicUrl.replace(/\/$/, '');
  const byTag = new Map<string, string[]>();
  for (const [path, operations] of Object.entries(spec.paths ?? {})) {
    for (const [method, op] of Object.entries(operations)) {
      if (!options.sso && path.startsWith('/auth/')) continue;
      const tag = op.tags?.[0] ?? 'other';
      byTag.set(tag, [...(byTag.get(tag) ?? []), renderOperation(method, path, op, reader, base)]);
    }
  }
  const signIn = options.sso
    ? `<li>A browser session: <a href="/auth/login">sign in with SSO</a>; the session cookie
  carries every scope your role allows. Writes with a cookie need an <code>Origin</code> header equal to this server's.</li>`
    : '<li>Browser sessions need single sign-on (<code>OIDC_ISSUER</code> and friends), which this server has not configured.</li>';
  const sections = [...byTag]
    .map(([tag, routes]) => `<h2 id="${esc(tag)}">${esc(tag)}</h2>${routes.join('')}`)
    .join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Folio API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>${style}</style>
</head>
<body>
<h1>Folio API</h1>
<h2 id="authentication">Authentication</h2>
<ul>
<li>An API token, sent as <code>Authorization: Bearer &lt;token&gt;</code>. The first start of
  <code>pnpm start</code> prints one for the first admin; <code>pnpm folio token create --email E</code>
  mints one for any user; <code>POST /v1/tokens</code> mints one from another. Paste it once:
  <pre>export TOKEN=folio_…</pre></li>
<li>Scopes narrow a token: <code>read</code> (reads), <code>write</code> (changes), <code>admin</code>
  (administration, audit log, erasure, export). A token does what both its scopes and its user's role allow.</li>
${signIn}
<li>Errors are <code>application/problem+json</code>: <code>{ type, title, status, detail, field? }</code>;
  <code>detail</code> says what to change. No role on a document answers 404; a role that does not allow the action, 403.</li>
</ul>
<p>Collaboration (WebSocket) clients get a short-lived token from <code>POST /v1/documents/{id}/connect-token</code>.
Machine-readable: <a href="/openapi.json">/openapi.json</a>. Sections: ${[...byTag.keys()]
    .map((t) => `<a href="#${esc(t)}">${esc(t)}</a>`)
    .join(' · ')}</p>
${sections}
</body>
</html>
`;
}

/**
 * The page's own Content-Security-Policy: no script at all, its one inline style allowed
 * by hash (not 'unsafe-inline'), nothing else. The hash is computed from the style
 * itself, so editing it cannot break the policy.
 */
export const docsContentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'none'",
  `style-src 'sha256-${createHash('sha256').update(style).digest('base64')}'`,
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
