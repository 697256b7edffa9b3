import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PGliteDialect, PostgresDialect } from 'kysely';
import pg from 'pg';
import { type Keyring, KeyringCarrier } from '../crypto/keyring.js';
import type { Logger } from '../logger.js';
import type { Tracing } from '../tracing/index.js';
import { querySpans } from '../tracing/query-spans.js';
import { acquireDirectoryLock, type DirectoryLock } from './lock.js';
import { ensurePrivateDirectory } from './private-directory.js';
import type { Database } from './schema.js';

export type Db = Kysely<Database>;

export interface DatabaseOptions {
  /** Postgres URL; unset → embedded PGlite under `dataDir/pg`. */
  url?: string | undefined;
  /** Read replica for heavy reads; unset → `url`. */
  replicaUrl?: string | undefined;
  /** CA bundle for `sslmode=verify-full`. */
  caFile?: string | undefined;
  poolSize?: number;
  dataDir: string;
  log: Logger;
  /** One span per query when tracing is on. */
  tracing?: Tracing | undefined;
  /**
   * Seals and opens personal data and content (carried on every handle and transaction;
   * see crypto/keyring.ts). Without one, rows are written unsealed and sealed rows do not
   * open.
   */
  keyring?: Keyring | undefined;
}

export interface DatabaseHandle {
  db: Db;
  /** Where search and other heavy reads go; the same handle as `db` without a replica. */
  replica: Db;
  kind: 'postgres' | 'pglite';
  /** The embedded instance (kind `pglite`): the job queue reaches it through its own adapter. */
  pglite?: PGlite | undefined;
  /** Where a library with its own connections (the job queue) connects (kind `postgres`). */
  connection?: { url: string; caFile?: string | undefined } | undefined;
  close(): Promise<void>;
}

const INT8 = 20;

/**
 * int8 comes back as a JS number from both drivers (pg returns strings by default,
 * PGlite bigints or numbers): sequence numbers and counts stay far below 2^53.
 */
const pgTypes = {
  getTypeParser: (oid: number, format?: string) =>
    oid === INT8 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format as 'text'),
};

/** A URL's connection string and TLS settings as node-postgres takes them (sslmode honoured). */
export function connectionSettings(
  url: string,
  caFile?: string | undefined,
): { connectionString: string; ssl: pg.PoolConfig['ssl'] } {
  const parsed = new URL(url);
  const sslmode = parsed.searchParams.get('sslmode');
  let ssl: pg.PoolConfig['ssl'];
  if (sslmode === 'require' || sslmode === 'verify-ca' || sslmode === 'verify-full') {
    ssl = {
      rejectUnauthorized: sslmode !== 'require',
      ...(caFile ? { ca: readFileSync(caFile, 'utf8') } : {}),
    };
    // pg would otherwise parse sslmode itself and override the object above.
    parsed.searchParams.delete('sslmode');
  }
  return { connectionString: parsed.toString(), ssl };
}

function createPool(url: string, options: DatabaseOptions, role: string): pg.Pool {
  const pool = new pg.Pool({
    ...connectionSettings(url, options.caFile),
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
    // A statement that runs longer than this is a bug or an attack, not a query.
    statement_timeout: 60_000,
    application_name: `folio-${role}`,
    types: pgTypes,
  });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', (error) => options.log.warn({ err: error }, 'idle database connection lost'));
  // pg-pool listens for a client's errors only while it is idle. A connection lost while
  // checked out (a query in flight, a transaction open: Postgres restarting, a backend
  // terminated, a reset) makes the client emit 'error' with no listener, which would
  // crash the process. The query fails on its own and the pool drops the client when it
  // is released, so this listener only has to exist.
  pool.on('connect', (client) =>
    client.on('error', (error) => options.log.warn({ err: error }, 'database connection lost mid-query')),
  );
  return pool;
}

/** Query spans naming the database they went to (the primary or the replica). */
const queryLog = (options: DatabaseOptions, url: string | undefined) =>
  options.tracing ? querySpans(options.tracing, url) : undefined;
const plugins = (options: DatabaseOptions) => (options.keyring ? [new KeyringCarrier(options.keyring)] : []);

export async function openDatabase(options: DatabaseOptions): Promise<DatabaseHandle> {
  if (options.url) {
    const db = new Kysely<Database>({
      dialect: new PostgresDialect({ pool: createPool(options.url, options, 'primary') }),
      log: queryLog(options, options.url),
      plugins: plugins(options),
    });
    const replica = options.replicaUrl
      ? new Kysely<Database>({
          dialect: new PostgresDialect({ pool: createPool(options.replicaUrl, options, 'replica') }),
          log: queryLog(options, options.replicaUrl),
          plugins: plugins(options),
        })
      : db;
    return {
      db,
      replica,
      kind: 'postgres',
      connection: { url: options.url, caFile: options.caFile },
      close: async () => {
        await db.destroy();
        if (replica !== db) await replica.destroy();
      },
    };
  }
  return openEmbedded(options);
}

async function openEmbedded(options: DatabaseOptions): Promise<DatabaseHandle> {
  const dataDir = resolve(options.dataDir);
  await ensurePrivateDirectory(dataDir);
  // PGlite is one process's database: a second opener would corrupt it.
  const lock: DirectoryLock = await acquireDirectoryLock(join(dataDir, 'pg.lock'));
  try {
    const pglite = await PGlite.create(join(dataDir, 'pg'), {
      parsers: { [INT8]: (value: string) => Number(value) },
    });
    const db = new Kysely<Database>({
      dialect: new PGliteDialect({ pglite }),
      log: queryLog(options, undefined),
      plugins: plugins(options),
    });
    options.log.info({ dataDir }, 'using the embedded database (PGlite)');
    return {
      db,
      replica: db,
      kind: 'pglite',
      pglite,
      close: async () => {
        await db.destroy();
        // PGlite made its new files 0666; tighten them before anyone else could look.
        await ensurePrivateDirectory(dataDir).catch((error: unknown) =>
          options.log.warn({ err: error, dataDir }, 'could not make the data directory private'),
        );
        await lock.release();
      },
    };
  } catch (error) {
    await lock.release();
    throw error;
  }
}
