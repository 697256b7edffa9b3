import { Writable } from 'node:stream';
import { ExportResultCode } from '@opentelemetry/core';
import type { SpanExporter } from '@opentelemetry/sdk-trace';
import type { LogEvent } from 'kysely';
import { afterEach, expect, it, vi } from 'vitest';
import { createCollabBus } from '../collab-bus.js';
import { createLogger } from '../logger.js';
import { createRedis } from '../redis.js';
import { TEST_REDIS_URL, testRedisPrefix } from '../testing/index.js';
import { type OtlpCollector, spanAttribute, startOtlpCollector } from '../testing/otlp-collector.js';
import {
  httpResponseAttributes,
  httpServerAttributes,
  noopTracing,
  querySpans,
  startTracing,
} from './index.js';
import { ReportingExporter } from './reporting-exporter.js';

function capturedLog() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      done();
    },
  });
  return { log: createLogger({ level: 'info', name: 'test', destination }), lines };
}

let collector: OtlpCollector | undefined;
afterEach(async () => {
  await collector?.close();
  collector = undefined;
});

it('is the no-op without an endpoint', async () => {
  const tracing = await startTracing({
    endpoint: undefined,
    serviceName: 'folio-test',
    log: capturedLog().log,
  });
  expect(tracing).toBe(noopTracing);
  expect(await tracing.inSpan('work', {}, async (span) => `ran ${span.traceId === ''}`)).toBe('ran true');
});

it('exports nested spans with the service name, honouring a traceparent and root spans', async () => {
  collector = await startOtlpCollector();
  const tracing = await startTracing({
    endpoint: collector.url,
    serviceName: 'folio-test',
    log: capturedLog().log,
  });
  const traceId = '0af7651916cd43dd8448eb211c80319c';
  const headers = new Map([['traceparent', `00-${traceId}-b7ad6b7169203331-01`]]);
  await tracing.inSpan('request', { kind: 'server', headers: (name) => headers.get(name) }, async (span) => {
    span.setAttributes({ 'http.route': '/things/:id', skipped: undefined });
    tracing.recordSpan('SELECT', { kind: 'client', durationMs: 3, childOnly: true });
    await tracing.inSpan('batch', { root: true }, async () => {});
    await expect(
      tracing.inSpan('failing', {}, async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
  });
  tracing.recordSpan('orphan', { durationMs: 1, childOnly: true });
  await tracing.shutdown();

  const byName = new Map(collector.spans.map((s) => [s.name, s]));
  const request = byName.get('request');
  expect(request?.traceId).toBe(traceId);
  expect(request?.parentSpanId).toBe('b7ad6b7169203331');
  expect(request?.serviceName).toBe('folio-test');
  expect(request && spanAttribute(request, 'http.route')).toBe('/things/:id');
  expect(byName.get('SELECT')?.parentSpanId).toBe(request?.spanId);
  expect(byName.get('failing')?.parentSpanId).toBe(request?.spanId);
  expect(byName.get('failing')?.status?.code).toBe(2);
  expect(byName.get('batch')?.traceId).not.toBe(traceId);
  expect(byName.has('orphan')).toBe(false);
});

it('never holds shutdown for long when the collector is down', async () => {
  collector = await startOtlpCollector();
  const url = collector.url;
  await collector.close();
  const tracing = await startTracing({ endpoint: url, serviceName: 'folio-test', log: capturedLog().log });
  await tracing.inSpan('lost', {}, async () => {});
  const started = performance.now();
  await tracing.shutdown();
  expect(performance.now() - started).toBeLessThan(3_000);
});

it('logs failed exports at most once per interval, counting what it dropped', () => {
  const { log, lines } = capturedLog();
  const failing: SpanExporter = {
    export: (_spans, done) => done({ code: ExportResultCode.FAILED, error: new Error('ECONNREFUSED') }),
    shutdown: async () => {},
  };
  const exporter = new ReportingExporter(failing, log, 60_000);
  const done = vi.fn();
  for (let i = 0; i < 3; i++) exporter.export([], done);
  expect(done).toHaveBeenCalledTimes(3);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatchObject({ level: 'warn', failedExports: 1 });
});

it('describes queries and Redis publishes by the database and messaging conventions', async () => {
  collector = await startOtlpCollector();
  const tracing = await startTracing({
    endpoint: collector.url,
    serviceName: 'folio-test',
    log: capturedLog().log,
  });
  const log = querySpans(tracing, 'postgres://folio:secret@db.internal:6432/folio');
  const redis = createRedis({ url: TEST_REDIS_URL, log: capturedLog().log, name: 'tracing-test' });
  const bus = createCollabBus({ redis, prefix: testRedisPrefix(), log: capturedLog().log, tracing });
  try {
    await tracing.inSpan('request', { kind: 'server' }, async () => {
      const event = (sql: string, error?: unknown) =>
        ({
          level: error ? 'error' : 'query',
          query: { sql, parameters: ['secret value'] },
          queryDurationMillis: 2,
          ...(error ? { error } : {}),
        }) as unknown as LogEvent;
      log?.(event('select "id", "title" from "documents" where "id" = $1'));
      log?.(
        event(
          'insert into "audit_log" ("x") values ($1)',
          Object.assign(new Error('dup'), { code: '23505' }),
        ),
      );
      log?.(event('select 1 from "documents" join "permissions" on true'));
      await bus.publish({ type: 'document-deleted', documentId: 'd1' });
    });
  } finally {
    await bus.close();
    redis?.disconnect();
  }
  await tracing.shutdown();

  const byName = new Map(collector.spans.map((s) => [s.name, s]));
  const select = byName.get('SELECT documents');
  expect(select?.kind).toBe(3);
  for (const [key, value] of Object.entries({
    'db.system.name': 'postgresql',
    'db.namespace': 'folio',
    'db.operation.name': 'SELECT',
    'db.collection.name': 'documents',
    'server.address': 'db.internal',
  })) {
    expect(select && spanAttribute(select, key), key).toBe(value);
  }
  expect(Number(select && spanAttribute(select, 'server.port'))).toBe(6432);
  const insert = byName.get('INSERT audit_log');
  expect(insert && spanAttribute(insert, 'error.type')).toBe('23505');
  expect(insert?.status?.code).toBe(2);
  expect(byName.has('SELECT')).toBe(true); // two tables: no collection name
  const publish = collector.spans.find((s) => s.name.startsWith('publish '));
  expect(publish?.kind).toBe(4);
  expect(publish && spanAttribute(publish, 'messaging.system')).toBe('redis');
  expect(publish && spanAttribute(publish, 'messaging.operation.type')).toBe('send');
  expect(publish && spanAttribute(publish, 'messaging.destination.name')).toBe(
    publish?.name.slice('publish '.length),
  );
  expect(publish?.parentSpanId).toBe(byName.get('request')?.spanId);
  expect(JSON.stringify(collector.spans)).not.toContain('secret');
});

it('names HTTP server attributes by the conventions, never with a query string', () => {
  const headers: Record<string, string> = { 'x-forwarded-proto': 'https, http', 'user-agent': 'curl/8' };
  expect(httpServerAttributes({ method: 'PURGE', path: '/v1/me', header: (n) => headers[n] })).toEqual({
    'http.request.method': '_OTHER',
    'url.path': '/v1/me',
    'url.scheme': 'https',
    'user_agent.original': 'curl/8',
    'network.protocol.name': 'http',
  });
  expect(httpResponseAttributes('/v1/documents/:id', 503)).toMatchObject({ 'error.type': '503' });
  expect(httpResponseAttributes('/v1/documents/:id', 404)['error.type']).toBeUndefined();
});
