import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface OtlpAttribute {
  key: string;
  value: { stringValue?: string; intValue?: string | number; boolValue?: boolean };
}

export interface CollectedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  /** OTLP SpanKind: 1 internal, 2 server, 3 client. */
  kind: number;
  attributes: OtlpAttribute[];
  status?: { code?: number };
  /** The resource's service.name. */
  serviceName: string | undefined;
}

export interface OtlpCollector {
  /** What to set OTEL_EXPORTER_OTLP_ENDPOINT to. */
  url: string;
  spans: CollectedSpan[];
  close(): Promise<void>;
}

/** Just enough of an OTLP/HTTP collector for tests: POST /v1/traces with a JSON body. */
export function startOtlpCollector(): Promise<OtlpCollector> {
  const spans: CollectedSpan[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString('utf8');
    });
    req.on('end', () => {
      if (
        req.method !== 'POST' ||
        req.url !== '/v1/traces' ||
        req.headers['content-type'] !== 'application/json'
      ) {
        res.writeHead(415).end();
        return;
      }
      const payload = JSON.parse(body) as {
        resourceSpans: {
          resource: { attributes: OtlpAttribute[] };
          scopeSpans: { spans: Omit<CollectedSpan, 'serviceName'>[] }[];
        }[];
      };
      for (const { resource, scopeSpans } of payload.resourceSpans) {
        const serviceName = resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue;
        for (const scope of scopeSpans) for (const span of scope.spans) spans.push({ ...span, serviceName });
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  return new Promise((done) =>
    server.listen(0, '127.0.0.1', () =>
      done({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        spans,
        close: () =>
          new Promise((closed) => {
            server.close(() => closed());
            server.closeAllConnections();
          }),
      }),
    ),
  );
}

/** A span attribute's value: strings as strings, OTLP's int64 (a string in JSON) as a number. */
export function spanAttribute(span: { attributes: OtlpAttribute[] }, key: string) {
  const value = span.attributes.find((a) => a.key === key)?.value;
  if (!value) return undefined;
  if (value.intValue !== undefined) return Number(value.intValue);
  return value.stringValue ?? value.boolValue;
}
