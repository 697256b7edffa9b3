import { randomUUID } from 'node:crypto';
import {
  createServer,
  type Server as HttpServer,
  type IncomingMessage,
  type ServerResponse,
  STATUS_CODES,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { type CollabBus, type CollabEvent, createCollabBus } from '@folio/shared';
import type { Db } from '@folio/shared/db';
import { checkReadiness, metricsRequestAllowed } from '@folio/shared/health';
import type { JobQueue } from '@folio/shared/jobs';
import type { Logger } from '@folio/shared/logger';
import type { Redis } from '@folio/shared/redis';
import { noopTracing, type Tracing } from '@folio/shared/tracing';
import { type Extension, Hocuspocus } from '@hocuspocus/server';
import { WebSocketServer } from 'ws';
import { AgentPresence } from './agent-presence.js';
import { tracedAuthorizeConnection } from './auth.js';
import { AuthExtension } from './auth-extension.js';
import { AwarenessIdentityExtension } from './awareness-identity.js';
import { ClientAttribution } from './client-attribution.js';
import type { CollabConfig } from './config.js';
import { ConnectionRegistry } from './connection-registry.js';
import type { CollabContext } from './context.js';
import { CommitChains } from './durable-acks.js';
import { LogFollower } from './log-follower.js';
import { type CollabMetrics, createCollabMetrics } from './metrics.js';
import { PersistenceExtension } from './persistence.js';
import { CloseCode } from './protocol.js';
import { RedisExtension } from './redis-extension.js';
import { SearchIndexer } from './search-indexer.js';
import { UpdateAuditRunner } from './update-audit-runner.js';
import { UpdateCommitter } from './update-committer.js';
import { UpdateRelay } from './update-relay.js';
import { headerValue, upgradeSpan } from './upgrade-span.js';
import { createSocketAcceptor } from './websocket-transport.js';

export interface CollabDeps {
  config: CollabConfig;
  db: Db;
  log: Logger;
  secretKey: string;
  /** Present when REDIS_URL (or Sentinel) is configured. */
  redis?: Redis | undefined;
  /**
   * Where revocations and REST updates arrive. Without Redis, a single-process launcher
   * passes the bus it also gives the API; by default one is built from `redis`.
   */
  bus?: CollabBus | undefined;
  /** Spans for connection authorization, group commits and queries; off by default. */
  tracing?: Tracing | undefined;
  /**
   * The job queue: the summariser's passes send the search catch-up and maintenance jobs
   * through it. Without one (tests) this node sweeps for missed search rows itself.
   */
  jobs?: JobQueue | undefined;
}

export interface CollabServer {
  hocuspocus: Hocuspocus;
  metrics: CollabMetrics;
  /** The Redis extension when scaling out (awareness and stateless messages). */
  redisExtension: RedisExtension | undefined;
  /** Committed updates to and from peers when scaling out (tests drop its messages). */
  relay: UpdateRelay | undefined;
  persistence: PersistenceExtension;
  /** The `document.update` summariser (tests run a pass with `runPass({ force: true })`). */
  auditor: UpdateAuditRunner;
  /** Starts listening; resolves with the bound port (COLLAB_PORT may be 0). */
  listen(): Promise<number>;
  /** Stops accepting, stores every loaded document, closes sockets with 1012. Idempotent. */
  close(): Promise<void>;
}

const SHUTDOWN_STORE_BUDGET_MS = 6_000;
const SHUTDOWN_COMMIT_BUDGET_MS = 2_000;

/**
 * The collaboration node: one HTTP server answering /healthz, /readyz and /metrics and
 * upgrading WebSockets — `/yjs/<documentId>` to the y-websocket adapter, anything else
 * to Hocuspocus. No module state: tests build as many as they like in one process.
 */
export function createCollabServer(deps: CollabDeps): CollabServer {
  const { config, log } = deps;
  const metrics = createCollabMetrics();
  const registry = new ConnectionRegistry({ reauthorizeIntervalMs: config.REAUTHORIZE_MS });
  const tracing = deps.tracing ?? noopTracing;
  const committer = new UpdateCommitter(deps.db, log, metrics, { delayMs: config.COMMIT_DELAY_MS }, tracing);
  const chains = new CommitChains();
  const attribution = new ClientAttribution();
  const persistence = new PersistenceExtension({
    db: deps.db,
    log,
    committer,
    chains,
    attribution,
    metrics,
    maxDocumentBytes: config.MAX_DOCUMENT_BYTES,
    maxUncommittedBytes: config.MAX_UNCOMMITTED_BYTES,
    maxUncommittedTotalBytes: config.MAX_UNCOMMITTED_TOTAL_BYTES,
    // Indexing follows the audit summariser (one instance at a time), not each commit.
    onCommitted: (documentId, seq, update) => relay?.publish(documentId, seq, update),
    onDiverged: (documentId) =>
      registry.closeDocument(documentId, CloseCode.unavailable, 'document reloading'),
  });
  const authDeps = { db: deps.db, secretKey: deps.secretKey, tracing };
  const redisExtension = deps.redis
    ? new RedisExtension({ redis: deps.redis, prefix: config.REDIS_KEY_PREFIX, log })
    : undefined;
  const relay = deps.redis
    ? new UpdateRelay({
        redis: deps.redis,
        prefix: config.REDIS_KEY_PREFIX,
        instanceId: randomUUID(),
        persistence,
        log,
        metrics,
      })
    : undefined;
  const extensions: Extension[] = [
    new AuthExtension({ ...authDeps, registry, log }),
    // Before persistence (priority): it subscribes before the document is read.
    ...(relay ? [relay] : []),
    persistence,
    new AwarenessIdentityExtension(),
    attribution,
    ...(redisExtension ? [redisExtension] : []),
  ];
  const hocuspocus = new Hocuspocus<CollabContext>({
    quiet: true,
    name: 'folio',
    extensions,
    // Durability does not depend on these (acknowledgements wait for the update log);
    // they only pace compaction.
    debounce: 5_000,
    maxDebounce: 30_000,
    maxUnauthenticatedQueueSize: 1024 * 1024,
    maxUnauthenticatedQueueMessages: 200,
    maxPendingDocuments: 20,
  });
  const indexer = new SearchIndexer(
    { db: deps.db, hocuspocus, log },
    deps.jobs ? { sweepIntervalMs: 0 } : {},
  );
  // One instance at a time audits stored edits and indexes the documents they touched
  // (two instances upserting the same search rows queued on each other's row locks).
  const auditor = new UpdateAuditRunner(
    {
      db: deps.db,
      log,
      jobs: deps.jobs,
      onDocumentsChanged: (documentIds) => {
        for (const documentId of documentIds) indexer.markDirty(documentId);
      },
    },
    { intervalMs: config.AUDIT_INTERVAL_MS },
  );
  const follower = new LogFollower(
    {
      db: deps.db,
      hocuspocus,
      persistence,
      log,
      metrics,
      onMissing: (documentId) => registry.closeDocument(documentId, CloseCode.notFound, 'document deleted'),
    },
    { intervalMs: config.ANTI_ENTROPY_MS },
  );
  const bus =
    deps.bus ?? createCollabBus({ redis: deps.redis, prefix: config.REDIS_KEY_PREFIX, log, tracing });
  const ownsBus = deps.bus === undefined;
  let unsubscribe: (() => Promise<void>) | undefined;
  const wss = new WebSocketServer({ noServer: true, maxPayload: config.MAX_FRAME_BYTES });
  let draining = false;

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
      const ok = readiness.ok && !draining;
      res
        .writeHead(ok ? 200 : 503, { 'content-type': 'application/json' })
        .end(JSON.stringify({ ...readiness, ok, draining }));
    } else if (
      path === '/metrics' &&
      !metricsRequestAllowed(req.headers.authorization, config.METRICS_TOKEN)
    ) {
      res
        .writeHead(401, {
          'content-type': 'application/problem+json',
          'www-authenticate': 'Bearer realm="metrics"',
        })
        .end(
          JSON.stringify({
            type: 'https://folio.dev/problems/unauthenticated',
            title: 'Unauthenticated',
            status: 401,
            detail: '/metrics needs Authorization: Bearer <METRICS_TOKEN>',
          }),
        );
    } else if (path === '/metrics') {
      metrics.documents.set(hocuspocus.getDocumentsCount());
      metrics.unsavedBytes.set(committer.pendingBytes);
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

  const acceptSocket = createSocketAcceptor({
    hocuspocus,
    log,
    metrics,
    chains,
    maxMessagesPerSecond: config.MAX_MESSAGES_PER_SECOND,
    maxFrameBytes: config.MAX_FRAME_BYTES,
    authorize: (token, id) => tracedAuthorizeConnection(authDeps, token, id, 'connect'),
    tracing,
  });

  /** Refused before the WebSocket handshake: a plain HTTP answer, and the socket closed. */
  const refuseUpgrade = (socket: Duplex, status: 403 | 503) =>
    socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\n\r\n`);

  http.on('upgrade', (req, socket, head) => {
    socket.on('error', () => socket.destroy());
    // One server span per upgrade (OpenTelemetry HTTP conventions, status 101), in the
    // caller's trace when the request carries a W3C traceparent; the connection's
    // authorization and its first frame run inside it (websocket-transport.ts).
    const { name, attributes } = upgradeSpan(req);
    void tracing.inSpan(name, { kind: 'server', headers: (h) => headerValue(req, h), attributes }, (span) => {
      const origin = req.headers.origin;
      if (draining || (config.ALLOWED_ORIGINS && origin && !config.ALLOWED_ORIGINS.includes(origin))) {
        const status = draining ? 503 : 403;
        // a 4xx is the client's matter; only a 5xx marks a server span failed (conventions)
        span.setAttributes({
          'http.response.status_code': status,
          'error.type': draining ? '503' : undefined,
        });
        refuseUpgrade(socket, status);
        return Promise.resolve();
      }
      return new Promise<void>((resolve) => {
        // ws answers a bad handshake itself (400) and never calls back
        const refused = () => resolve();
        socket.once('close', refused);
        wss.handleUpgrade(req, socket, head, (ws) => {
          socket.off('close', refused);
          span.setAttributes({ 'http.response.status_code': 101 });
          try {
            acceptSocket(ws, req);
          } catch (error) {
            // A request line or Host header that Node accepted but URL/Request do not.
            log.info({ err: error }, 'refusing an unparseable WebSocket request');
            ws.terminate();
          }
          resolve();
        });
      });
    });
  });

  const redisLag = deps.redis
    ? setInterval(() => {
        const started = performance.now();
        deps.redis
          ?.ping()
          .then(() => metrics.redisLagSeconds.set((performance.now() - started) / 1000))
          .catch(() => metrics.redisLagSeconds.set(Number.NaN));
      }, 5_000)
    : undefined;
  redisLag?.unref();

  const presence = new AgentPresence(hocuspocus);
  const handleBusEvent = (event: CollabEvent) => {
    if (event.type === 'revoke') {
      const closed = registry.revoke(event);
      if (closed > 0) log.info({ userId: event.userId, closed }, 'connections revoked');
    } else if (event.type === 'document-updated') {
      if (persistence.loaded.has(event.documentId)) follower.poke();
    } else if (event.type === 'document-deleted') {
      registry.closeDocument(event.documentId, CloseCode.notFound, 'document deleted');
    } else if (event.type === 'agent-presence') {
      presence.show(event);
    }
  };

  let closing: Promise<void> | undefined;
  return {
    hocuspocus,
    metrics,
    redisExtension,
    relay,
    persistence,
    auditor,
    listen: async () => {
      unsubscribe = await bus.subscribe((event) => {
        try {
          handleBusEvent(event);
        } catch (error) {
          log.error({ err: error, event: event.type }, 'collab bus event failed');
        }
      });
      follower.start();
      auditor.start();
      indexer.start();
      return new Promise((resolve, reject) => {
        http.once('error', reject);
        http.listen(config.COLLAB_PORT, config.HOST, () => {
          http.off('error', reject);
          resolve((http.address() as AddressInfo).port);
        });
      });
    },
    close: () => {
      closing ??= (async () => {
        draining = true;
        presence.stop();
        http.close();
        clearInterval(redisLag);
        // Clients reconnect elsewhere on 1012. Every acknowledged edit is committed
        // already; edits still waiting for their commit finish below (unacknowledged:
        // their clients resend them after reconnecting).
        for (const ws of wss.clients) ws.close(CloseCode.restart, 'service restart');
        // Within the 10 s shutdown deadline even while Postgres is down.
        await committer.drain(SHUTDOWN_COMMIT_BUDGET_MS);
        // Every committed edit audited before this instance goes (and the lease freed);
        // bounded, so a Postgres that is down cannot hold the shutdown.
        await Promise.race([
          auditor.stop(),
          new Promise((resolve) => setTimeout(resolve, SHUTDOWN_COMMIT_BUDGET_MS).unref()),
        ]);
        await follower.stop();
        await relay?.stop();
        indexer.stop();
        await indexer.flush();
        const names = persistence.loaded.names();
        await Promise.race([
          Promise.all(names.map((name) => persistence.compact(name, hocuspocus.documents.get(name)))),
          new Promise((resolve) => setTimeout(resolve, SHUTDOWN_STORE_BUDGET_MS).unref()),
        ]);
        registry.stop();
        await unsubscribe?.();
        if (ownsBus) await bus.close();
        // The Redis extension quits its clients here; a Redis that is down must not
        // hold the process past its shutdown deadline.
        await Promise.race([
          hocuspocus.hooks('onDestroy', { instance: hocuspocus }).catch(() => {}),
          new Promise((resolve) => setTimeout(resolve, 1_000).unref()),
        ]);
        wss.close();
        http.closeAllConnections();
      })();
      return closing;
    },
  };
}
