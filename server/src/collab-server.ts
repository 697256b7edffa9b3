import {
  createServer,
  type Server as HttpServer,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Db } from '@folio/shared/db';
import { checkReadiness } from '@folio/shared/health';
import type { Logger } from '@folio/shared/logger';
import type { Redis } from '@folio/shared/redis';
import { Hocuspocus } from '@hocuspocus/server';
import { WebSocketServer } from 'ws';
import type { CollabConfig } from './config.js';
import { createCollabMetrics } from './metrics.js';

export interface CollabDeps {
  config: CollabConfig;
  db: Db;
  log: Logger;
  secretKey: string;
  /** Present when REDIS_URL (or Sentinel) is configured. */
  redis?: Redis | undefined;
}

export interface CollabServer {
  hocuspocus: Hocuspocus;
  metrics: ReturnType<typeof createCollabMetrics>;
  /** Starts listening; resolves with the bound port (COLLAB_PORT may be 0). */
  listen(): Promise<number>;
  /** Stops accepting, stores and closes everything. Idempotent. */
  close(): Promise<void>;
}

/**
 * The collaboration node: one HTTP server answering /healthz, /readyz and /metrics,
 * and upgrading WebSockets into Hocuspocus. No module state: tests build as many as
 * they like in one process.
 */
export function createCollabServer(deps: CollabDeps): CollabServer {
  const { config, log } = deps;
  const metrics = createCollabMetrics();
  const hocuspocus = new Hocuspocus({ quiet: true, name: 'folio' });
  const wss = new WebSocketServer({ noServer: true, maxPayload: config.MAX_FRAME_BYTES });

  const handleHttp = async (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    } else if (path === '/readyz') {
      const readiness = await checkReadiness({ db: deps.db, redis: deps.redis });
      res
        .writeHead(readiness.ok ? 200 : 503, { 'content-type': 'application/json' })
        .end(JSON.stringify(readiness));
    } else if (path === '/metrics') {
      metrics.documents.set(hocuspocus.getDocumentsCount());
      res
        .writeHead(200, { 'content-type': metrics.registry.contentType })
        .end(await metrics.registry.metrics());
    } else {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
    }
  };

  const http: HttpServer = createServer((req, res) => {
    handleHttp(req, res).catch((error) => {
      log.error({ err: error }, 'collaboration HTTP handler failed');
      if (!res.headersSent) res.writeHead(500).end();
    });
  });

  http.on('upgrade', (req, socket, head) => {
    socket.on('error', () => socket.destroy());
    wss.handleUpgrade(req, socket, head, (ws) => {
      const request = new Request(`http://${req.headers.host ?? 'localhost'}${req.url ?? '/'}`, {
        headers: Object.entries(req.headers).flatMap(([k, v]) =>
          v === undefined
            ? []
            : Array.isArray(v)
              ? v.map((x) => [k, x] as [string, string])
              : [[k, v] as [string, string]],
        ),
      });
      const connection = hocuspocus.handleConnection(ws, request);
      metrics.connections.inc({ protocol: 'hocuspocus' });
      ws.on('message', (data: Buffer) =>
        connection.handleMessage(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)),
      );
      ws.on('close', (code, reason) => {
        metrics.connections.dec({ protocol: 'hocuspocus' });
        connection.handleClose({ code, reason: reason.toString() });
      });
      ws.on('error', (error) => log.debug({ err: error }, 'websocket error'));
    });
  });

  let closing: Promise<void> | undefined;
  return {
    hocuspocus,
    metrics,
    listen: () =>
      new Promise((resolve, reject) => {
        http.once('error', reject);
        http.listen(config.COLLAB_PORT, config.HOST, () => {
          http.off('error', reject);
          resolve((http.address() as AddressInfo).port);
        });
      }),
    close: () => {
      closing ??= (async () => {
        http.close();
        hocuspocus.closeConnections();
        for (const ws of wss.clients) ws.close(1012, 'server restart');
        wss.close();
        http.closeAllConnections();
      })();
      return closing;
    },
  };
}
