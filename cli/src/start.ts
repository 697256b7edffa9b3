/**
 * `pnpm start`: the whole product in one process — needed for the embedded database,
 * which only one process can open. Migrates, creates a first admin on an empty
 * database, starts the REST API, the collaboration server and a background worker
 * (webhook deliveries, erasure requests), prints their URLs.
 */

import { join } from 'node:path';
import { apiConfigSchema, createApi } from '@folio/api';
import { collabConfigSchema, collabConsoleLevel, createCollabServer } from '@folio/server';
import { createCollabBus } from '@folio/shared';
import { FIRST_ADMIN_EMAIL, firstAdminCreator, versionPolicyFromConfig } from '@folio/shared/commands';
import { ConfigError, parseConfig } from '@folio/shared/config';
import { createJobQueue } from '@folio/shared/jobs';
import { routeConsoleToLogger } from '@folio/shared/logger';
import { openInfrastructure, stopOnSignals } from '@folio/shared/runtime';
import { createWorker } from '@folio/worker';
import { serveAdminSocket } from './admin-socket.js';
import { describeFailure } from './errors.js';

function loadConfigs() {
  const problems: string[] = [];
  const attempt = <T>(parse: () => T): T | undefined => {
    try {
      return parse();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      for (const p of error.problems) if (!problems.includes(p)) problems.push(p);
      return undefined;
    }
  };
  const api = attempt(() => parseConfig(apiConfigSchema, process.env));
  const collab = attempt(() => parseConfig(collabConfigSchema, process.env));
  if (!api || !collab) throw new ConfigError(problems);
  return { api, collab };
}

async function main(): Promise<void> {
  const config = loadConfigs();
  const infra = await openInfrastructure(config.api, 'folio');
  // Hocuspocus and its Redis extension print to the console and take no logger: make
  // those lines JSON on stdout like every other (see routeConsoleToLogger).
  routeConsoleToLogger(infra.log, collabConsoleLevel);
  const { db, replica } = infra.database;
  // One bus for both: without Redis it is in-process, and REST writes, deletions and
  // revocations must reach this process's collaboration server.
  const bus = createCollabBus({
    redis: infra.redis,
    prefix: config.api.REDIS_KEY_PREFIX,
    log: infra.log,
    tracing: infra.tracing,
  });
  const deps = {
    db,
    log: infra.log,
    redis: infra.redis,
    secretKey: infra.secretKey,
    bus,
    tracing: infra.tracing,
  };
  // One queue for the API and the in-process worker (the embedded database has one connection).
  const jobs = createJobQueue(infra.database, infra.log, { role: 'worker', tracing: infra.tracing });
  // With SSO configured people sign in through it; the link is for the embedded default.
  const first = await firstAdminCreator(db, { signInLink: config.api.OIDC_ISSUER === undefined });
  const collab = createCollabServer({ ...deps, config: config.collab, jobs });
  const collabPort = await collab.listen();
  // COLLAB_PORT=0 picks a free port: connect tokens must name the one actually bound.
  const apiConfig =
    config.collab.COLLAB_PORT === 0 && process.env.COLLAB_PUBLIC_URL === undefined
      ? { ...config.api, COLLAB_PUBLIC_URL: config.api.COLLAB_PUBLIC_URL.replace(/:0$/, `:${collabPort}`) }
      : config.api;
  const restApi = createApi({ ...deps, replica, config: apiConfig, jobs });
  const worker = createWorker(
    { db, jobs, log: infra.log, bus, redis: infra.redis, redisPrefix: config.api.REDIS_KEY_PREFIX },
    {
      debounceMs: config.api.WEBHOOK_DEBOUNCE_MS,
      allowPrivateTargets: config.api.WEBHOOK_ALLOW_PRIVATE_TARGETS,
      versions: versionPolicyFromConfig(config.api),
    },
  );
  // Installing or checking the queue's schema takes a moment on the embedded database: it
  // runs while the rest starts, and requests that queue work meanwhile wait for it.
  const jobsStarted = jobs.start();
  jobsStarted.catch(() => {}); // awaited below, after the banner
  const apiPort = await restApi.start();
  // The embedded database is this process's alone; the admin CLI reaches it through here.
  const adminSocket =
    infra.database.kind === 'pglite'
      ? await serveAdminSocket(join(config.api.DATA_DIR, 'admin.sock'), db, infra.log, {
          bus,
          redis: infra.redis,
          redisPrefix: config.api.REDIS_KEY_PREFIX,
          log: infra.log,
        })
      : undefined;
  let stopping = false;
  stopOnSignals(infra.log, async () => {
    stopping = true;
    await adminSocket?.close();
    await Promise.all([restApi.close(), collab.close(), worker.stop()]);
    // Within the 10 s shutdown budget: a delivery still in flight is retried by the next start.
    await jobs.stop(2_000);
    // Given to both servers, so neither closes it.
    await bus.close();
    await infra.close();
  });

  const apiUrl = `http://${config.api.HOST}:${apiPort}`;
  const lines = [
    '',
    'Folio is running',
    `  Web app:        ${apiUrl}/app/`,
    `  REST API:       ${apiUrl}   (docs: ${apiUrl}/docs, health: /healthz)`,
    `  Collaboration:  ws://${config.collab.HOST}:${collabPort}    (y-websocket: /yjs; health: http://${config.collab.HOST}:${collabPort}/healthz)`,
    `  Database:       ${infra.database.kind === 'pglite' ? `embedded (${config.api.DATA_DIR}/pg)` : 'Postgres (DATABASE_URL)'}`,
    `  Redis:          ${infra.redis ? (config.api.REDIS_CLUSTER_NODES ? 'shared (REDIS_CLUSTER_NODES)' : 'shared (REDIS_URL)') : 'none (single instance)'}`,
    '  Worker:         in-process (webhooks, erasures, search catch-up, versions)',
    '',
  ];
  if (first) {
    lines.push(
      `First admin: ${first.email}. Its API token is shown this once; paste these two lines:`,
      `  export TOKEN=${first.token}`,
      `  curl -s -H "Authorization: Bearer $TOKEN" ${apiUrl}/v1/me`,
    );
    if (first.signInLink) {
      // PUBLIC_URL: the link sets the session cookie for the origin the app checks writes against.
      const link = new URL(`/auth/link?token=${first.signInLink.secret}`, apiConfig.PUBLIC_URL);
      lines.push(
        `Open the web app as ${first.email} (one-time sign-in link, valid 15 minutes):`,
        `  ${link.toString()}`,
      );
    }
  } else {
    lines.push(
      'The first admin token was shown on the first start only. A new one:',
      `  export TOKEN=$(pnpm --silent folio token create --email ${FIRST_ADMIN_EMAIL} --scopes read,write,admin)`,
      'and a one-time sign-in link to the web app:',
      `  pnpm --silent folio login-link --email ${FIRST_ADMIN_EMAIL}`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n\n`);
  // A signal may arrive while these still run: the shutdown closes the database under
  // them, and that is no failure to start.
  try {
    await jobsStarted;
    await worker.start();
  } catch (error) {
    if (!stopping) throw error;
  }
}

main().catch((error) => {
  process.stderr.write(`folio: cannot start: ${describeFailure(error)}\n`);
  process.exit(1);
});
