import { createLogger } from '@folio/shared/logger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from './app.js';
import { buildTestApi, type TestApi } from './test-app.js';

let h: TestApi;
beforeAll(async () => {
  h = await buildTestApi();
});
afterAll(async () => h?.close());

describe('createApi', () => {
  it('serves on start() and stops on close(), which is idempotent', async () => {
    const api = createApi({
      config: h.config,
      db: h.t.db,
      replica: h.t.db,
      log: createLogger({ level: 'silent', name: 'api-test' }),
      secretKey: h.config.SECRET_KEY ?? '',
      jobs: h.jobs,
    });
    // Erasures go through the job queue unless a test asks for them in process.
    expect(api.erasureWorker).toBeUndefined();
    expect(h.api.erasureWorker).toBeDefined();
    const port = await api.start({ port: 0, host: '127.0.0.1' });
    expect(port).toBeGreaterThan(0);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    await Promise.all([api.close(), api.close()]);
    await api.close();
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
    await expect(api.start({ port: 0, host: '127.0.0.1' })).rejects.toThrow('closed');
  });

  it('answers every request with its id, and keeps a caller’s plain one', async () => {
    const mine = await h.request('/healthz', { headers: { 'x-request-id': 'caller-id.1' } });
    expect(mine.headers.get('x-request-id')).toBe('caller-id.1');
    const replaced = await h.request('/healthz', { headers: { 'x-request-id': 'not ok!' } });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const refused = await h.request('/v1/search?q=a%00b');
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { field: string }).field).toBe('q');
  });
});
