import { migrateToLatest } from '@folio/migrations';
import { type CommonConfig, resolveSecretKey } from './config/index.js';
import { assertKeyFileMatches, type Keyring, openKeyring } from './crypto/index.js';
import { type DatabaseHandle, openDatabase } from './db/connect.js';
import { createLogger, type Logger } from './logger.js';
import { createRedis, type Redis, redisConnection } from './redis.js';
import { startTracing, type Tracing } from './tracing/index.js';

/** What every process builds first: logger, tracing, database, Redis and the secret key. */
export interface Infrastructure {
  log: Logger;
  /** Off (a no-op) unless OTEL_EXPORTER_OTLP_ENDPOINT is set. */
  tracing: Tracing;
  database: DatabaseHandle;
  redis: Redis | undefined;
  secretKey: string;
  /** Seals personal data and content; every database handle carries it. */
  keyring: Keyring;
  close(): Promise<void>;
}

export async function openInfrastructure(
  config: CommonConfig,
  name: string,
  options: { migrate?: boolean } = {},
): Promise<Infrastructure> {
  const log = createLogger({ level: config.LOG_LEVEL, name });
  // First, so that the database's queries and the servers built from this are traced.
  const tracing = await startTracing({
    endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT,
    serviceName: name,
    log,
  });
  if (tracing.enabled) log.info({ endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT }, 'tracing to OTLP/HTTP');
  const keyring = await openKeyring(config).catch(async (error: unknown) => {
    await tracing.shutdown();
    throw error;
  });
  const database = await openDatabase({
    keyring,
    url: config.DATABASE_URL,
    replicaUrl: config.DATABASE_REPLICA_URL,
    caFile: config.DATABASE_CA_FILE,
    poolSize: config.DATABASE_POOL_SIZE,
    dataDir: config.DATA_DIR,
    log,
    tracing,
  }).catch(async (error: unknown) => {
    await tracing.shutdown();
    throw error;
  });
  try {
    if (options.migrate !== false) {
      // Safe from several processes at once: the Migrator holds an advisory lock.
      const { applied } = await migrateToLatest(database.db);
      if (applied.length > 0) log.info({ applied }, 'migrations applied');
    }
    await assertKeyFileMatches(database.db, keyring);
    if (!keyring.sealWrites) log.warn('ENCRYPTION=off: new personal data and content are stored unsealed');
    const redis = createRedis({ ...redisConnection(config), log, name });
    const secretKey = await resolveSecretKey(config);
    return {
      log,
      tracing,
      database,
      redis,
      secretKey,
      keyring,
      close: async () => {
        redis?.disconnect();
        await database.close();
        // Last, so that spans of everything shut down above are exported too.
        await tracing.shutdown();
      },
    };
  } catch (error) {
    await database.close();
    await tracing.shutdown();
    throw error;
  }
}

/**
 * Runs `stop` once on SIGINT or SIGTERM, then exits 0; exits 1 if stopping takes longer
 * than `deadlineMs`.
 */
export function stopOnSignals(log: Logger, stop: () => Promise<void>, deadlineMs = 10_000): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    setTimeout(() => {
      log.error({ deadlineMs }, 'shutdown took too long, exiting');
      process.exit(1);
    }, deadlineMs).unref();
    stop().then(
      () => process.exit(0),
      (error) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}
