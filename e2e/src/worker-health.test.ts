/**
 * The stand-alone worker's probes and metrics (`WORKER_PORT`), as the Kubernetes
 * Deployment in infra/k8s/base/worker.yaml uses them: the real `worker/dist/main.js`.
 */
import {
  createTestDatabase,
  TEST_REDIS_URL,
  type TestDatabase,
  testRedisPrefix,
} from '@folio/shared/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Spawned, spawnProcess } from './processes.js';

let t: TestDatabase;
let worker: Spawned | undefined;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await worker?.stop('SIGKILL');
  await t.drop();
});

it('serves /healthz, /readyz and /metrics on WORKER_PORT, and exits 0 on SIGTERM', async () => {
  const metricsToken = 'worker-metrics-token-0123456789';
  worker = spawnProcess('node', ['worker/dist/main.js'], {
    DATABASE_URL: t.url,
    REDIS_URL: TEST_REDIS_URL,
    REDIS_KEY_PREFIX: testRedisPrefix(),
    SECRET_KEY: 'x'.repeat(40),
    WORKER_PORT: '0',
    METRICS_TOKEN: metricsToken,
    LOG_LEVEL: 'info',
  });
  const [, port] = await worker.waitFor(/"port":(\d+)[^\n]*"msg":"worker running"/);
  const base = `http://127.0.0.1:${port}`;

  expect((await fetch(`${base}/healthz`)).status).toBe(200);
  const ready = await fetch(`${base}/readyz`);
  expect(ready.status).toBe(200);
  expect(await ready.json()).toEqual({
    ok: true,
    checks: { database: { ok: true }, redis: { ok: true } },
  });
  expect((await fetch(`${base}/metrics`)).status).toBe(401);
  const metrics = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } });
  expect(metrics.status).toBe(200);
  expect(await metrics.text()).toMatch(/^process_resident_memory_bytes \d+/m);
  expect((await fetch(`${base}/nothing`)).status).toBe(404);

  const started = performance.now();
  expect(await worker.stop('SIGTERM')).toBe(0);
  // The Deployment's grace period is sized for this (infra/k8s/base/worker.yaml).
  expect(performance.now() - started).toBeLessThan(10_000);
  worker = undefined;
});
