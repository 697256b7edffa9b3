/** Composition root of the stand-alone REST API (`pnpm --filter ./api start`). */
import { loadConfigOrExit } from '@folio/shared/config';
import { createJobQueue } from '@folio/shared/jobs';
import { routeConsoleToLogger } from '@folio/shared/logger';
import { openInfrastructure, stopOnSignals } from '@folio/shared/runtime';
import { createApi } from './app.js';
import { apiConfigSchema } from './config.js';

const config = loadConfigOrExit(apiConfigSchema);
const infra = await openInfrastructure(config, 'folio-api');
// Libraries that print to the console still log JSON lines on stdout.
routeConsoleToLogger(infra.log);
// Erasures and redeliveries go on the queue; workers (`pnpm --filter ./worker start`) run them.
const jobs = createJobQueue(infra.database, infra.log, { role: 'client', tracing: infra.tracing });
await jobs.start();
const api = createApi({
  config,
  db: infra.database.db,
  replica: infra.database.replica,
  log: infra.log,
  redis: infra.redis,
  secretKey: infra.secretKey,
  tracing: infra.tracing,
  jobs,
});
const port = await api.start();
infra.log.info({ url: `http://${config.HOST}:${port}` }, 'API listening');
stopOnSignals(infra.log, async () => {
  await api.close();
  await jobs.stop();
  await infra.close();
});
