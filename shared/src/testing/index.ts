/**
 * Test support for integration tests: each test file gets its own Postgres database,
 * cloned from a template that global set-up migrated once, and its own Redis key
 * prefix. Never used by production code.
 */
import { randomBytes } from 'node:crypto';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { type Keyring, openKeyring } from '../crypto/index.js';
import { type DatabaseHandle, openDatabase } from '../db/connect.js';
import type { Database } from '../db/schema.js';
import { createLogger } from '../logger.js';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/**
 * Set (`postgres://user@host:port`) to run the tests through a connection pooler: test
 * databases are still created and dropped on TEST_DATABASE_URL's server directly (a
 * pooler runs no CREATE DATABASE … TEMPLATE for us), but every test — its handle, the
 * URL it hands to servers it starts — connects through the pooler.
 * e2e/src/pgbouncer.test.ts sets it.
 */
export const TEST_DATABASE_POOLER_URL = process.env.TEST_DATABASE_POOLER_URL || undefined;
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
/**
 * Set (`host:port,…`) to run the Redis-using tests against a Redis Cluster instead of
 * TEST_REDIS_URL; e2e/src/redis-cluster.test.ts does, for the tests it names.
 */
export const TEST_REDIS_CLUSTER_NODES = process.env.TEST_REDIS_CLUSTER_NODES || undefined;

/** `createRedis` options for the test Redis: the cluster when TEST_REDIS_CLUSTER_NODES is set. */
export function testRedisConnection(): { url?: string; clusterNodes?: { host: string; port: number }[] } {
  if (!TEST_REDIS_CLUSTER_NODES) return { url: TEST_REDIS_URL };
  return {
    clusterNodes: TEST_REDIS_CLUSTER_NODES.split(',').map((node) => {
      const [host = '', port = ''] = node.split(':');
      return { host, port: Number(port) };
    }),
  };
}

/** The same, as the environment of a spawned Folio process. */
export function testRedisEnv(): Record<string, string> {
  return TEST_REDIS_CLUSTER_NODES
    ? { REDIS_CLUSTER_NODES: TEST_REDIS_CLUSTER_NODES }
    : { REDIS_URL: TEST_REDIS_URL };
}

/** Env var through which global set-up tells test files the template's name. */
export const TEMPLATE_ENV = 'FOLIO_TEST_TEMPLATE_DB';

export function databaseUrl(name: string, base = TEST_DATABASE_URL): string {
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}

/** A short-lived admin connection to the server's maintenance database. */
export async function withAdminClient<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** Test databases carry the creating process's pid, so leftovers of dead runs can be found. */
export const testDatabasePrefix = 'folio_t_';

export async function dropStaleTestDatabases(client: pg.Client): Promise<void> {
  const { rows } = await client.query<{ datname: string }>(
    'select datname from pg_database where datname like $1',
    [`${testDatabasePrefix}%`],
  );
  for (const { datname } of rows) {
    const pid = Number(datname.slice(testDatabasePrefix.length).split('_')[0]);
    let alive = false;
    try {
      process.kill(pid, 0);
      alive = true;
    } catch {}
    if (!alive) await client.query(`drop database if exists ${quoteIdent(datname)} with (force)`);
  }
}

export interface TestDatabase extends DatabaseHandle {
  name: string;
  url: string;
  /** Closes the handle and drops the database. */
  drop(): Promise<void>;
}

/** The test run's keyring (global set-up chose the key file); sealing on unless `encryption: false`. */
export async function testKeyring(options: { encryption?: boolean } = {}): Promise<Keyring> {
  const keyFile = process.env.KEY_FILE;
  if (!keyFile) throw new Error("KEY_FILE is unset: run the tests through vitest's global set-up");
  return openKeyring({ DATA_DIR: '.', KEY_FILE: keyFile, ENCRYPTION: options.encryption ?? true });
}

/** A fresh, migrated database of this test file's own. */
export async function createTestDatabase(options: { keyring?: Keyring } = {}): Promise<TestDatabase> {
  const template = process.env[TEMPLATE_ENV];
  if (!template) throw new Error(`${TEMPLATE_ENV} is unset: run the tests through vitest's global set-up`);
  const name = `${testDatabasePrefix}${process.pid}_${randomBytes(4).toString('hex')}`;
  await withAdminClient((c) =>
    c.query(`create database ${quoteIdent(name)} template ${quoteIdent(template)}`),
  );
  const url = databaseUrl(name, TEST_DATABASE_POOLER_URL ?? TEST_DATABASE_URL);
  const handle = await openDatabase({
    url,
    keyring: options.keyring ?? (await testKeyring()),
    dataDir: '.',
    poolSize: 5,
    log: createLogger({ level: 'silent', name: 'test' }),
  });
  return {
    ...handle,
    name,
    url,
    drop: async () => {
      await handle.close();
      await withAdminClient((c) => c.query(`drop database if exists ${quoteIdent(name)} with (force)`));
    },
  };
}

/** A Kysely handle on any URL, for tests that need a raw connection. */
export function connectKysely(url: string): Kysely<Database> {
  return new Kysely<Database>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 2 }) }),
  });
}

/** A Redis key prefix of this test's own. */
export const testRedisPrefix = () => `folio-test:${process.pid}:${randomBytes(4).toString('hex')}:`;
export * from './fixtures.js';
export * from './otlp-collector.js';
export * from './personal-data.js';
export * from './pgbouncer.js';
export * from './redis-cluster.js';
export * from './tcp-proxy.js';
