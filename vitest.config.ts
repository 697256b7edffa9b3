import { defineConfig } from 'vitest/config';

// Integration tests share one Postgres and one Redis: each file clones its own database
// from a template migrated once per run (shared/src/testing/global-setup.ts) and uses
// its own Redis key prefix, so files run in parallel safely.
const scaleTests = ['e2e/src/redis-cluster.test.ts', 'e2e/src/pgbouncer.test.ts', 'e2e/src/replica.test.ts'];

export default defineConfig({
  test: {
    globalSetup: ['./shared/dist/testing/global-setup.js'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: process.env.CI
      ? ['default', ['json', { outputFile: '.test-results/vitest.json' }]]
      : ['default'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit+integration',
          include: ['{shared,migrations,server,api,worker,cli,web}/src/**/*.test.ts'],
        },
      },
      {
        extends: true,
        // Spawns real processes: fewer at once on a 2-core machine.
        test: {
          name: 'e2e',
          include: ['e2e/src/**/*.test.ts'],
          exclude: scaleTests,
          maxWorkers: 2,
          testTimeout: 60_000,
        },
      },
      {
        extends: true,
        // Rerun other tests' files in a child vitest (on a Redis Cluster, through
        // PgBouncer) and start private servers: after every other project (groupOrder),
        // one file at a time, so that their timing-bound tests do not share the two cores
        // with the rest of the suite.
        test: {
          name: 'scale',
          include: scaleTests,
          maxWorkers: 1,
          testTimeout: 60_000,
          sequence: { groupOrder: 1 },
        },
      },
      {
        extends: true,
        // `pnpm bench --quick` (built: bench/dist/run.js) as CI runs it, about 40 s.
        test: { name: 'bench', include: ['bench/src/**/*.test.ts'], testTimeout: 90_000 },
      },
    ],
  },
});
