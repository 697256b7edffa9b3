import { afterAll, beforeAll, expect, it } from 'vitest';
import { checkReadiness } from './health.js';
import { createLogger } from './logger.js';
import { createRedis, type Redis } from './redis.js';
import { createTestDatabase, TEST_REDIS_URL, type TestDatabase, testRedisPrefix } from './testing/index.js';

const log = createLogger({ level: 'silent', name: 'test' });
let t: TestDatabase;
let redis: Redis | undefined;
beforeAll(async () => {
  t = await createTestDatabase();
  redis = createRedis({ url: TEST_REDIS_URL, log, name: 'folio-test' }, { keyPrefix: testRedisPrefix() });
});
afterAll(async () => {
  redis?.disconnect();
  await t?.drop();
});

it('is ready with a migrated database and a reachable Redis', async () => {
  expect(await checkReadiness({ db: t.db, redis })).toEqual({
    ok: true,
    checks: { database: { ok: true }, redis: { ok: true } },
  });
});

it('is not ready, and says why, when Redis is unreachable', async () => {
  const dead = createRedis(
    { url: 'redis://127.0.0.1:1', log, name: 'folio-test' },
    { maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true },
  );
  try {
    const readiness = await checkReadiness({ db: t.db, redis: dead }, 1_000);
    expect(readiness.ok).toBe(false);
    expect(readiness.checks.database).toEqual({ ok: true });
    expect(readiness.checks.redis?.ok).toBe(false);
  } finally {
    dead?.disconnect();
  }
});

it('is not ready while a migration is pending', async () => {
  await t.db.deleteFrom('kysely_migration' as never).execute();
  const readiness = await checkReadiness({ db: t.db });
  expect(readiness.ok).toBe(false);
  expect(readiness.checks.database?.detail).toMatch(/pending migrations: 2026-11-26T0000_initial/);
});
