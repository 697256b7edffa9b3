/**
 * The tracing interface callers program against, and tracing switched off. A module of
 * its own so that the OpenTelemetry implementation (`otel.ts`) and the query spans
 * (`query-spans.ts`) depend on it without depending on the entry point that loads them.
 */
import type { Logger } from '../logger.js';

export type SpanAttributes = Record<string, string | number | boolean | undefined>;

export interface SpanHandle {
  setAttributes(attributes: SpanAttributes): void;
  /** E.g. once the router knows the route template. */
  updateName(name: string): void;
  /** Marks the span failed; an Error is recorded as an exception event. */
  fail(error?: unknown): void;
  /** W3C trace id, for log lines; empty when tracing is off. */
  readonly traceId: string;
}

export interface SpanOptions {
  /** OpenTelemetry's span kinds; producer/consumer for messaging (queues, pub/sub). */
  kind?: 'internal' | 'server' | 'client' | 'producer' | 'consumer';
  attributes?: SpanAttributes;
  /** Incoming request headers: a W3C `traceparent` there becomes the span's parent. */
  headers?: (name: string) => string | undefined;
  /** Start a new trace even if a span is active (work that serves many callers at once). */
  root?: boolean;
  /** Record nothing unless a span is active: a child only, never a trace of its own. */
  childOnly?: boolean;
}

export interface Tracing {
  readonly enabled: boolean;
  /**
   * Runs `fn` in a new span that is the parent of every span started in anything `fn`
   * awaits; ends it when `fn` settles, failed if `fn` throws.
   */
  inSpan<T>(name: string, options: SpanOptions, fn: (span: SpanHandle) => Promise<T>): Promise<T>;
  /** A span for something already measured elsewhere (a query timed by its driver). */
  recordSpan(name: string, options: SpanOptions & { durationMs: number; error?: unknown }): void;
  /**
   * `fn`, to run later in the span active now (its spans become that span's children),
   * e.g. a socket's first frame handled in the trace of the upgrade that opened it.
   * `fn` itself when no span is active or tracing is off.
   */
  bind<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R;
  /** Exports what is queued and stops; bounded in time, never throws. Idempotent. */
  shutdown(): Promise<void>;
}

const noopSpan: SpanHandle = { setAttributes() {}, updateName() {}, fail() {}, traceId: '' };

/** Tracing switched off: one extra call per instrumented operation, nothing else. */
export const noopTracing: Tracing = {
  enabled: false,
  inSpan: (_name, _options, fn) => fn(noopSpan),
  recordSpan() {},
  bind: (fn) => fn,
  shutdown: async () => {},
};

export interface TracingOptions {
  /** OTEL_EXPORTER_OTLP_ENDPOINT; unset → no tracing. Traces go to `<endpoint>/v1/traces`. */
  endpoint: string | undefined;
  /** `service.name`: folio-api, folio-collab or folio. */
  serviceName: string;
  log: Logger;
}
