import { Writable } from 'node:stream';
import { ExportResultCode } from '@opentelemetry/core';
import type { SpanExporter } from '@opentelemetry/sdk-trace';
import { afterEach, expect, it, vi } from 'vitest';
import { createLogger } from '../logger.js';
import { type OtlpCollector, spanAttribute, startOtlpCollector } from '../testing/otlp-collector.js';
import { noopTracing, startTracing } from './index.js';
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
