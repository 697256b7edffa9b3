import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Api } from './app.js';

export interface RunningApi {
  port: number;
  close(): Promise<void>;
}

/** Serves the API over Node's HTTP server; resolves once listening. */
export function serveApi(api: Api, options: { port: number; host: string }): Promise<RunningApi> {
  return new Promise((resolve, reject) => {
    const server = serve(
      { fetch: api.app.fetch, port: options.port, hostname: options.host },
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
