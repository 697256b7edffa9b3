import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import type { Logger } from '../logger.js';

/** One warning per this interval at most, however many exports fail. */
const REPORT_INTERVAL_MS = 60_000;

/**
 * Passes exports through and logs failures through pino, at most once a minute with a
 * count of what failed since. OpenTelemetry's own error handler writes to its `diag`
 * logger, which we leave unset: a collector that is down must not flood the log.
 */
export class ReportingExporter implements SpanExporter {
  private lastReport = Number.NEGATIVE_INFINITY;
  private failedSinceReport = 0;
  private droppedSinceReport = 0;

  constructor(
    private readonly inner: SpanExporter,
    private readonly log: Logger,
    private readonly intervalMs = REPORT_INTERVAL_MS,
  ) {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.inner.export(spans, (result) => {
      if (result.code !== ExportResultCode.SUCCESS) this.report(result.error, spans.length);
      resultCallback(result);
    });
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }

  private report(error: Error | undefined, spans: number): void {
    this.failedSinceReport += 1;
    this.droppedSinceReport += spans;
    const now = Date.now();
    if (now - this.lastReport < this.intervalMs) return;
    this.log.warn(
      {
        err: error,
        failedExports: this.failedSinceReport,
        droppedSpans: this.droppedSinceReport,
        nextReportInSeconds: this.intervalMs / 1000,
      },
      'exporting traces failed; spans dropped',
    );
    this.lastReport = now;
    this.failedSinceReport = 0;
    this.droppedSinceReport = 0;
  }
}
