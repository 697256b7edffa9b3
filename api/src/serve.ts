import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Hono } from 'hono';

export interface RunningApi {
  port: number;
  close(): Promise<void>;
}

/** Serves the API over Node's HTTP server; resolves once listening. */
export function serveApi(
  app: Pick<Hono, 'fetch'>,
  options: { port: number; host: string },
): Promise<RunningApi> {
  return new Promise((resolve, reject) => {
    const server = serve(
      { fetch: app.fetch, port: options.port, hostname: options.host },
      (info: AddressInfo) => {
        server.off('error', reject);
        let closing: Promise<void> | undefined;
        resolve({
          port: info.port,
          close: () => {
            closing ??= new Promise<void>((done) => {
              server.close(() => done());
              // Keep-alive sockets would otherwise hold close() open.
              if ('closeIdleConnections' in server) server.closeIdleConnections();
            });
            return closing;
          },
        });
      },
    );
    server.once('error', reject);
  });
}
