/**
 * Composition root of a stand-alone collaboration node (`pnpm --filter ./server start`).
 * Several of them share one Postgres (DATABASE_URL) and one Redis (REDIS_URL).
 */
import { loadConfigOrExit } from '@folio/shared/config';
import { createJobQueue } from '@folio/shared/jobs';
import { routeConsoleToLogger } from '@folio/shared/logger';
import { openInfrastructure, stopOnSignals } from '@folio/shared/runtime';
import { createCollabServer } from './collab-server.js';
import { collabConfigSchema } from './config.js';
import { collabConsoleLevel } from './context.js';

const config = loadConfigOrExit(collabConfigSchema);
const infra = await openInfrastructure(config, 'folio-collab');
// Hocuspocus and its Redis extension print to the console and take no logger: make
// those lines JSON on stdout like every other (see routeConsoleToLogger).
routeConsoleToLogger(infra.log, collabConsoleLevel);
// A safety net, not a code path: Hocuspocus runs some hooks without awaiting them, and
// one client's failure must never take every other connection down with the process.
process.on('unhandledRejection', (error) => infra.log.error({ err: error }, 'unhandled rejection'));
// A client of the queue: the summariser's passes send the search catch-up and
// maintenance jobs (a worker process runs them). Its own pool only installs the schema.
const jobs = createJobQueue(infra.database, infra.log, { role: 'client', poolSize: 1 });
await jobs.start();
const server = createCollabServer({
  config,
  db: infra.database.db,
  log: infra.log,
  redis: infra.redis,
  secretKey: infra.secretKey,
  tracing: infra.tracing,
  jobs,
});
const port = await server.listen();
infra.log.info({ url: `http://${config.HOST}:${port}` }, 'collaboration server listening');
stopOnSignals(infra.log, async () => {
  await server.close();
  await jobs.stop();
  await infra.close();
});
