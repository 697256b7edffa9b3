/**
 * The worker's own small HTTP listener: `/healthz` (alive), `/readyz` (database with every
 * migration applied, Redis when used — the same check as the API's and the collaboration
 * server's) and `/metrics` (process defaults; the queue's figures are cluster-wide and
 * come from the API's `folio_jobs_*`). The worker serves nothing else, so plain node:http
 * rather than a router. Only with `WORKER_PORT` set (see config.ts).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Db } from '@folio/shared/db';
import { checkReadiness, metricsRequestAllowed } from '@folio/shared/health';
import type { Redis } from '@folio/shared/redis';
import { collectDefaultMetrics, Registry } from 'prom-client';

export interface WorkerHealthServer {
  /** The port it listens on (the bound one when asked for port 0). */
  port: number;
  close(): Promise<void>;
}

export interface WorkerHealthDeps {
  db: Db;
  redis?: Redis | undefined;
  /** METRICS_TOKEN: when set, /metrics answers only `Authorization: Bearer <it>`. */
  metricsToken?: string | undefined;
}

export async function startWorkerHealthServer(
  deps: WorkerHealthDeps,
  listen: { host: string; port: number },
): Promise<WorkerHealthServer> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const json = (status: number, body: unknown) => ({
    status,
    type: 'application/json',
    body: JSON.stringify(body),
  });
  const answer = async (method: string, path: string, authorization: string | undefined) => {
    if (method !== 'GET' && method !== 'HEAD') return json(405, { error: 'only GET' });
    if (path === '/healthz') return json(200, { ok: true });
    if (path === '/readyz') {
      const readiness = await checkReadiness({ db: deps.db, redis: deps.redis });
      return json(readiness.ok ? 200 : 503, readiness);
    }
    if (path === '/metrics') {
      if (!metricsRequestAllowed(authorization, deps.metricsToken)) {
        return json(401, { error: '/metrics needs Authorization: Bearer <METRICS_TOKEN>' });
      }
      return { status: 200, type: registry.contentType, body: await registry.metrics() };
    }
    return json(404, { error: 'not found' });
  };
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://worker').pathname;
    answer(req.method ?? 'GET', path, req.headers.authorization).then(
      ({ status, type, body }) => {
        res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : body);
      },
      () => {
        res.writeHead(500).end();
      },
    );
  });
  // Probes are short; a stuck client must not hold a socket.
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
