import { defineConfig } from 'vitest/config';

// Integration tests share one Postgres and one Redis: each file clones its own database
// from a template migrated once per run (shared/src/testing/global-setup.ts) and uses
// its own Redis key prefix, so files run in parallel safely.
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
        test: { name: 'e2e', include: ['e2e/src/**/*.test.ts'], maxWorkers: 2, testTimeout: 60_000 },
      },
      {
        extends: true,
        // `pnpm bench --quick` (built: bench/dist/run.js) as CI runs it, about 40 s.
        test: { name: 'bench', include: ['bench/src/**/*.test.ts'], testTimeout: 90_000 },
      },
    ],
  },
});
