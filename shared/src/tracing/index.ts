/**
 * Tracing behind an interface of our own, so that callers never import OpenTelemetry:
 * with OTEL_EXPORTER_OTLP_ENDPOINT unset, `startTracing` returns `noopTracing` and no
 * OpenTelemetry module is ever loaded. With it set, `./otel.js` is imported dynamically.
 */
export * from './tracing.js';

import type { Tracing, TracingOptions } from './tracing.js';
import { noopTracing } from './tracing.js';

export async function startTracing(options: TracingOptions): Promise<Tracing> {
  if (!options.endpoint) return noopTracing;
  const { startOtelTracing } = await import('./otel.js');
  return startOtelTracing({ ...options, endpoint: options.endpoint });
}
export { querySpans } from './query-spans.js';
export {
  databaseAttributes,
  httpMethod,
  httpResponseAttributes,
  httpServerAttributes,
  messagingAttributes,
} from './semantic-conventions.js';
