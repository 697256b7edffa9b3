import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateToLatest } from '@folio/migrations';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { createJobQueue } from '../jobs/job-queue.js';
import { createLogger } from '../logger.js';
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
    // The job queue's own schema too, so that a test's queue finds it installed.
    const jobs = createJobQueue(
      {
        db,
        replica: db,
        kind: 'postgres',
        connection: { url: databaseUrl(template) },
        close: async () => {},
      },
      createLogger({ level: 'silent', name: 'global-setup' }),
      { role: 'client', poolSize: 1 },
    );
    await jobs.start();
    await jobs.stop();
  } finally {
    await db.destroy();
  }
  process.env[TEMPLATE_ENV] = template;
  // One key file for the run, inherited by test files and every process they spawn, so
  // that a test's own handle opens what a spawned server sealed in the same database.
  process.env.KEY_FILE ??= join(mkdtempSync(join(tmpdir(), 'folio-test-keys-')), 'folio.key');
  return async () => {
    await withAdminClient((c) => c.query(`drop database if exists "${template}" with (force)`));
  };
}
