/**
 * Folio through PgBouncer in transaction mode: a private pgbouncer (Debian's package) on
 * a free loopback port in front of the shared test Postgres, and every test file of the
 * collaboration server (server/src) and of the API (api/src) run again, unchanged, in a
 * child vitest with TEST_DATABASE_POOLER_URL set. Test databases are still created on
 * Postgres directly (global set-up and createTestDatabase use TEST_DATABASE_URL: CREATE
 * DATABASE … TEMPLATE does not go through a pooler); every connection of the tests and
 * of the servers they start goes through pgbouncer.
 *
 * What a transaction pooler breaks, and why Folio is not affected (README, PgBouncer):
 * session advisory locks (Folio takes only transaction-scoped ones), LISTEN (only
 * pg-boss workers, which poll as well), named prepared statements (none: node-postgres
 * prepares unnamed statements unless given a name), session SETs (only SET LOCAL).
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import {
  databaseUrl,
  type PrivatePgBouncer,
  pgBouncerAvailable,
  startPgBouncer,
  TEST_DATABASE_URL,
  withAdminClient,
} from '@folio/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runNestedVitest } from './nested-vitest.js';

const run = promisify(execFile);
const available = pgBouncerAvailable();
if (!available) console.warn('pgbouncer test skipped: pgbouncer not installed (apt-get install pgbouncer)');

describe.skipIf(!available)('through PgBouncer in transaction mode', () => {
  let bouncer: PrivatePgBouncer;
  beforeAll(async () => {
    const postgres = new URL(TEST_DATABASE_URL);
    bouncer = await startPgBouncer({
      host: postgres.hostname,
      port: Number(postgres.port || 5432),
      user: decodeURIComponent(postgres.username || 'postgres'),
      // The shared server has 100 connections for every test run on the machine: the
      // pooler keeps this whole run under 40 of them.
      poolSize: 5,
      maxServerConnections: 40,
    });
  });
  afterAll(() => bouncer?.stop());

  it('migrates through the pooler from several processes at once, and leaves no lock behind', async () => {
    const name = `folio_t_${process.pid}_pooled_migrations`;
    await withAdminClient((c) => c.query(`drop database if exists ${name} with (force)`));
    await withAdminClient((c) => c.query(`create database ${name}`));
    try {
      const migrate = () =>
        run(process.execPath, [resolve(import.meta.dirname, '../../cli/dist/folio.js'), 'migrate'], {
          env: {
            PATH: process.env.PATH ?? '',
            DATABASE_URL: databaseUrl(name, bouncer.url),
            SECRET_KEY: 'pooled-migrations-secret-key-0123456789',
          },
        });
      // Twice three at once: the second round finds the schema current and must not
      // wait on a lock that the first round left on a pooled server connection.
      for (let round = 0; round < 2; round++) await Promise.all([migrate(), migrate(), migrate()]);
      const held = await withAdminClient((c) =>
        c.query(
          "select count(*)::int as n from pg_locks l join pg_database d on d.oid = l.database where l.locktype = 'advisory' and d.datname = $1",
          [name],
        ),
      );
      expect(held.rows[0]?.n).toBe(0);
    } finally {
      await withAdminClient((c) => c.query(`drop database if exists ${name} with (force)`));
    }
  }, 120_000);

  it('passes every test of the collaboration server and the API', async () => {
    const run = await runNestedVitest(
      ['--project', 'unit+integration', 'server/src', 'api/src'],
      { TEST_DATABASE_POOLER_URL: bouncer.url },
      900_000,
    );
    console.log(
      `through pgbouncer: ${run.files} files, ${run.passed} passed, ${run.failed} failed, ${run.skipped} skipped in ${(run.durationMs / 1000).toFixed(0)} s`,
    );
    expect(run.failures).toEqual([]);
    expect(run.failed).toBe(0);
    expect(run.files).toBeGreaterThanOrEqual(30);
    expect(run.passed).toBeGreaterThanOrEqual(150);
    // The tests' databases were reached through the pooler, not around it.
    const stats = (await bouncer.stats()).filter((s) => s.database.startsWith('folio_t_'));
    const transactions = stats.reduce((sum, s) => sum + s.transactions, 0);
    console.log(`pgbouncer served ${transactions} transactions over ${stats.length} test databases`);
    expect(stats.length).toBeGreaterThanOrEqual(run.files);
    expect(transactions).toBeGreaterThan(1_000);
  }, 960_000);
});

/** Application source files (no tests, no test support) of the packages that talk to Postgres. */
function sources(): { path: string; text: string }[] {
  const root = resolve(import.meta.dirname, '../..');
  const files: { path: string; text: string }[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) {
        if (name !== 'testing') walk(path);
      } else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) {
        files.push({ path, text: readFileSync(path, 'utf8') });
      }
    }
  };
  for (const pkg of ['shared', 'server', 'api', 'worker', 'cli']) walk(join(root, pkg, 'src'));
  return files;
}

describe('session state a transaction pooler would break', () => {
  it('is used nowhere: no session advisory lock, LISTEN, named statement or session SET', () => {
    const offences = sources().flatMap(({ path, text }) =>
      [
        /pg_(try_)?advisory_lock(_shared)?\s*\(/i,
        /\bLISTEN\s+["\w]/,
        /\.query\(\s*\{[^}]*\bname\s*:/s,
        /(sql`|query\(\s*['"`])\s*set\s+(?!local\b)/i,
      ]
        .filter((pattern) => pattern.test(text.replace(/^\s*(\/\/|\*).*$/gm, '')))
        .map((pattern) => `${path}: ${pattern}`),
    );
    expect(offences).toEqual([]);
  });
});
