import { migrateToLatest } from '@folio/migrations';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import {
  databaseUrl,
  dropStaleTestDatabases,
  TEMPLATE_ENV,
  testDatabasePrefix,
  withAdminClient,
} from './index.js';

/**
 * Vitest global set-up: migrates one template database per run; each test file clones
 * it (CREATE DATABASE … TEMPLATE takes milliseconds, migrating takes much longer).
 */
export default async function setup(): Promise<() => Promise<void>> {
  const template = `${testDatabasePrefix}${process.pid}_template`;
  await withAdminClient(async (client) => {
    await dropStaleTestDatabases(client);
    await client.query(`drop database if exists "${template}" with (force)`);
    await client.query(`create database "${template}"`);
  });
  const db = new Kysely<any>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: databaseUrl(template), max: 1 }) }),
  });
  try {
    await migrateToLatest(db);
  } finally {
    await db.destroy();
  }
  process.env[TEMPLATE_ENV] = template;
  return async () => {
    await withAdminClient((c) => c.query(`drop database if exists "${template}" with (force)`));
  };
}
