/**
 * The OpenTelemetry side of `Tracing`, loaded only when an endpoint is configured.
 *
 * Nothing is registered globally (no global tracer provider, context manager or
 * propagator): the active span lives in this instance's own AsyncLocalStorage, so
 * several instances can coexist in one test process and shutting one down leaves no
 * global state behind.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import {
  type Context,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  trace,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { ReportingExporter } from './reporting-exporter.js';
import type { SpanAttributes, SpanHandle, SpanOptions, Tracing, TracingOptions } from './tracing.js';

/** Per export request; the exporter retries within it, then gives the batch up. */
const EXPORT_TIMEOUT_MS = 5_000;
/** Spans waiting for export at most; more are dropped rather than held in memory. */
const MAX_QUEUE_SIZE = 2_048;
/** Shutdown waits this long for the last export: a dead collector must not hold it. */
const SHUTDOWN_BUDGET_MS = 2_000;

const kinds = {
  internal: SpanKind.INTERNAL,
  server: SpanKind.SERVER,
  client: SpanKind.CLIENT,
  producer: SpanKind.PRODUCER,
  consumer: SpanKind.CONSUMER,
};
const headerGetter: TextMapGetter<(name: string) => string | undefined> = {
  get: (headers, key) => headers(key),
  keys: () => [],
};

function cleaned(attributes: SpanAttributes | undefined) {
  if (!attributes) return undefined;
  return Object.fromEntries(Object.entries(attributes).filter(([, v]) => v !== undefined)) as Record<
    string,
    string | number | boolean
  >;
}

export function startOtelTracing(options: TracingOptions & { endpoint: string }): Tracing {
  const exporter = new ReportingExporter(
    new OTLPTraceExporter({
      // The spec's rule for the signal-agnostic variable: append the signal's path.
      url: `${options.endpoint.replace(/\/+$/, '')}/v1/traces`,
      timeoutMillis: EXPORT_TIMEOUT_MS,
      concurrencyLimit: 4,
    }),
    options.log,
  );
  const provider = new TracerProvider({
    resource: defaultResource().merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: options.serviceName })),
    spanProcessors: [
      new BatchSpanProcessor({
        exporter,
        maxQueueSize: MAX_QUEUE_SIZE,
        maxExportBatchSize: 512,
        scheduledDelayMillis: 1_000,
        exportTimeoutMillis: EXPORT_TIMEOUT_MS * 2,
      }),
    ],
  });
  const tracer = provider.getTracer('folio');
  const propagator = new W3CTraceContextPropagator();
  const active = new AsyncLocalStorage<Context>();

  const parentOf = (spanOptions: SpanOptions): Context => {
    if (spanOptions.root) return ROOT_CONTEXT;
    if (spanOptions.headers) return propagator.extract(ROOT_CONTEXT, spanOptions.headers, headerGetter);
    return active.getStore() ?? ROOT_CONTEXT;
  };

  const handle = (span: Span): SpanHandle => ({
    setAttributes: (attributes) => {
      span.setAttributes(cleaned(attributes) ?? {});
    },
    updateName: (name) => {
      span.updateName(name);
    },
    fail: (error) => {
      if (error instanceof Error) span.recordException(error);
      span.setStatus({
        code: SpanStatusCode.ERROR,
        message: error instanceof Error ? error.name : undefined,
      });
    },
    traceId: span.spanContext().traceId,
  });

  let stopping: Promise<void> | undefined;
  return {
    enabled: true,
    inSpan: async (name, spanOptions, fn) => {
      const parent = parentOf(spanOptions);
      const span = tracer.startSpan(
        name,
        { kind: kinds[spanOptions.kind ?? 'internal'], attributes: cleaned(spanOptions.attributes) },
        parent,
      );
      try {
        return await active.run(trace.setSpan(parent, span), () => fn(handle(span)));
      } catch (error) {
        handle(span).fail(error);
        throw error;
      } finally {
        span.end();
      }
    },
    recordSpan: (name, spanOptions) => {
      if (spanOptions.childOnly && !active.getStore()) return;
      const end = Date.now();
      const span = tracer.startSpan(
        name,
        {
          kind: kinds[spanOptions.kind ?? 'internal'],
          attributes: cleaned(spanOptions.attributes),
          startTime: end - spanOptions.durationMs,
        },
        parentOf(spanOptions),
      );
      if (spanOptions.error !== undefined) handle(span).fail(spanOptions.error);
      span.end(end);
    },
    bind: (fn) => {
      const context = active.getStore();
      return context ? (...args) => active.run(context, () => fn(...args)) : fn;
    },
    shutdown: () => {
      stopping ??= Promise.race([
        provider.shutdown().catch((error: unknown) => {
          options.log.warn({ err: error }, 'tracing shutdown failed');
        }),
        new Promise<void>((resolve) => setTimeout(resolve, SHUTDOWN_BUDGET_MS).unref()),
      ]);
      return stopping;
    },
  };
}
