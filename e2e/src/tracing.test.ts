/**
 * OTEL_EXPORTER_OTLP_ENDPOINT through the real API process: with it set, a REST request
 * arrives at an OTLP/HTTP collector as a server span in the caller's trace; with it
 * unset, no part of the OpenTelemetry SDK is even loaded.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  spanAttribute as attribute,
  buildApiToken,
  buildDocument,
  buildUser,
  type CollectedSpan,
  createTestDatabase,
  startOtlpCollector,
  type TestDatabase,
} from '@folio/shared/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type ApiProcess, spawnApi } from './api-process.js';
import { eventually } from './harness.js';

/**
 * A `--import` module that appends every resolved module URL under @opentelemetry to a
 * file, so the test sees what the process loaded (node:module's synchronous hooks see
 * static and dynamic imports alike).
 */
const probe = (file: string) =>
  `--import=data:text/javascript,${encodeURIComponent(`
    import { registerHooks } from 'node:module';
    import { appendFileSync } from 'node:fs';
    registerHooks({
      resolve(specifier, context, next) {
        const result = next(specifier, context);
        if (result.url.includes('@opentelemetry')) appendFileSync(${JSON.stringify(file)}, result.url + '\\n');
        return result;
      },
    });
  `)}`;

const loaded = (file: string) => readFile(file, 'utf8').catch(() => '');

let db: TestDatabase;
let dir: string;
const apis: ApiProcess[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  dir = await mkdtemp(join(tmpdir(), 'folio-tracing-'));
});

afterAll(async () => {
  for (const api of apis) api.proc.kill('SIGKILL');
  await Promise.all(apis.map((api) => api.exited));
  await db?.drop();
  await rm(dir, { recursive: true, force: true });
});

it('exports a server span per REST request, in the caller trace, to the OTLP endpoint', async () => {
  const collector = await startOtlpCollector();
  const probeFile = join(dir, 'traced.txt');
  try {
    const api = await spawnApi(0, { DATABASE_URL: db.url, OTEL_EXPORTER_OTLP_ENDPOINT: collector.url }, [
      probe(probeFile),
    ]);
    apis.push(api);
    const owner = await buildUser(db.db);
    const { token } = await buildApiToken(db.db, owner);
    const doc = await buildDocument(db.db, owner);
    const traceId = randomBytes(16).toString('hex');
    const callerSpanId = randomBytes(8).toString('hex');
    const requestId = `trace-test-${randomBytes(4).toString('hex')}`;

    const response = await fetch(`${api.url}/v1/documents/${doc.id}`, {
      headers: {
        authorization: `Bearer ${token}`,
        traceparent: `00-${traceId}-${callerSpanId}-01`,
        'x-request-id': requestId,
      },
    });
    expect(response.status).toBe(200);

    const server = await eventually(() => {
      const span = collector.spans.find((s) => s.traceId === traceId && s.kind === 2);
      expect(span).toBeDefined();
      return span as CollectedSpan;
    });
    expect(server.name).toBe('GET /v1/documents/:id');
    expect(server.parentSpanId).toBe(callerSpanId);
    expect(server.serviceName).toBe('folio-api');
    expect(attribute(server, 'http.route')).toBe('/v1/documents/:id');
    expect(attribute(server, 'http.request.method')).toBe('GET');
    expect(attribute(server, 'http.response.status_code')).toBe(200);
    expect(attribute(server, 'folio.request_id')).toBe(requestId);
    // The queries the request ran (authentication, the document) nest under it.
    await eventually(() => {
      const queries = collector.spans.filter(
        (s) => s.traceId === traceId && s.parentSpanId === server.spanId,
      );
      expect(queries.map((q) => attribute(q, 'db.system.name'))).toContain('postgresql');
    });
    expect(await loaded(probeFile)).toContain('@opentelemetry/sdk-trace');

    // Shutdown flushes and still exits cleanly.
    api.proc.kill('SIGTERM');
    expect(await api.exited).toBe(0);
  } finally {
    await collector.close();
  }
});

it('keeps serving, and exits cleanly, when the collector is down', async () => {
  const collector = await startOtlpCollector();
  await collector.close();
  const api = await spawnApi(0, { DATABASE_URL: db.url, OTEL_EXPORTER_OTLP_ENDPOINT: collector.url });
  apis.push(api);
  for (let i = 0; i < 3; i++) expect((await fetch(`${api.url}/healthz`)).status).toBe(200);
  api.proc.kill('SIGTERM');
  expect(await api.exited).toBe(0);
});

it('loads no OpenTelemetry SDK module when the endpoint is unset', async () => {
  const probeFile = join(dir, 'untraced.txt');
  const api = await spawnApi(0, { DATABASE_URL: db.url }, [probe(probeFile)]);
  apis.push(api);
  expect((await fetch(`${api.url}/healthz`)).status).toBe(200);
  api.proc.kill('SIGTERM');
  expect(await api.exited).toBe(0);
  // prom-client (metrics, on main before tracing) imports @opentelemetry/api itself for
  // exemplars; the SDK, exporter and everything else of OpenTelemetry stay unloaded.
  // Only OpenTelemetry's own packages count (the job queue's install path names its
  // @opentelemetry/api peer, but it is not part of OpenTelemetry).
  const packageOf = (url: string) => url.slice(url.lastIndexOf('/node_modules/') + '/node_modules/'.length);
  const ours = (await loaded(probeFile))
    .split('\n')
    .filter(
      (url) => url && packageOf(url).startsWith('@opentelemetry/') && !url.includes('/@opentelemetry/api/'),
    );
  expect(ours).toEqual([]);
});
