import { createLogger } from '@folio/shared/logger';
import { createWorker, type Worker } from '@folio/worker';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { buildTestApi, type TestApi } from '../test-app.js';

// The route, the job it sends and the worker that runs it, on one test database.
let h: TestApi;
let worker: Worker | undefined;
type User = Awaited<ReturnType<TestApi['user']>>;
let admin: User;
let member: User;
beforeAll(async () => {
  h = await buildTestApi();
  admin = await h.user('admin.language@example.com');
  member = await h.user('member.language@example.com');
});
afterAll(async () => {
  await worker?.stop();
  await h?.close();
});

interface Workspace {
  id: string;
  name: string;
  searchLanguage: string;
  searchReindexing: boolean;
}
const json = async <T>(response: Response, status = 200): Promise<T> => {
  expect(response.status, await response.clone().text()).toBe(status);
  return (await response.json()) as T;
};
const searchIds = async (q: string, workspaceId: string) =>
  (
    await json<{ items: { documentId: string }[] }>(
      await h.request(`/v1/search?${new URLSearchParams({ q, workspaceId })}`, { token: admin.token }),
    )
  ).items.map((i) => i.documentId);

it('chooses the search language at creation; refuses unknown ones, naming the field', async () => {
  const created = await json<Workspace>(
    await h.request('/v1/workspaces', {
      method: 'POST',
      token: admin.token,
      json: { name: 'Mehrsprachig', searchLanguage: 'simple' },
    }),
    201,
  );
  expect(created).toMatchObject({ name: 'Mehrsprachig', searchLanguage: 'simple', searchReindexing: false });
  const plain = await json<Workspace>(
    await h.request('/v1/workspaces', { method: 'POST', token: admin.token, json: { name: 'Plain' } }),
    201,
  );
  expect(plain.searchLanguage).toBe('english');
  const bad = await h.request('/v1/workspaces', {
    method: 'POST',
    token: admin.token,
    json: { name: 'Bad', searchLanguage: 'klingon' },
  });
  expect(bad.status).toBe(400);
  expect(await bad.text()).toContain('searchLanguage');
  const listed = await json<{ items: Workspace[] }>(
    await h.request('/v1/workspaces', { token: admin.token }),
  );
  expect(listed.items.find((w) => w.id === created.id)?.searchLanguage).toBe('simple');
});

it('PATCH changes it (workspace admins only); the worker reindexes and search follows', async () => {
  const team = await h.team(admin, [member], 'Runners');
  const doc = await json<{ id: string }>(
    await h.request('/v1/documents', {
      method: 'POST',
      token: admin.token,
      json: { title: 'Notes', workspaceId: team.id, content: { text: 'The runners were running' } },
    }),
    201,
  );
  await vi.waitFor(async () => expect(await searchIds('run', team.id)).toEqual([doc.id]), {
    timeout: 10_000,
  });
  expect(await searchIds('were', team.id)).toEqual([]);

  const denied = await h.request(`/v1/workspaces/${team.id}`, {
    method: 'PATCH',
    token: member.token,
    json: { searchLanguage: 'simple' },
  });
  expect(denied.status).toBe(403);
  const empty = await h.request(`/v1/workspaces/${team.id}`, {
    method: 'PATCH',
    token: admin.token,
    json: {},
  });
  expect(empty.status).toBe(400);

  const patched = await json<Workspace>(
    await h.request(`/v1/workspaces/${team.id}`, {
      method: 'PATCH',
      token: admin.token,
      json: { name: 'Runners (mixed)', searchLanguage: 'simple' },
    }),
  );
  expect(patched).toMatchObject({
    name: 'Runners (mixed)',
    searchLanguage: 'simple',
    searchReindexing: true,
  });
  // No worker yet: the document still answers in English.
  expect(await searchIds('run', team.id)).toEqual([doc.id]);

  const log = createLogger({ level: 'silent', name: 'worker-test' });
  worker = createWorker({ db: h.t.db, jobs: h.jobs, log });
  await worker.start();
  await vi.waitFor(
    async () => {
      const list = await json<{ items: Workspace[] }>(
        await h.request('/v1/workspaces', { token: admin.token }),
      );
      expect(list.items.find((w) => w.id === team.id)?.searchReindexing).toBe(false);
    },
    { timeout: 20_000, interval: 200 },
  );
  expect(await searchIds('were', team.id)).toEqual([doc.id]);
  expect(await searchIds('run', team.id)).toEqual([]);
});

it('is in the OpenAPI description', async () => {
  const spec = await json<{ paths: Record<string, Record<string, unknown>> }>(
    await h.request('/openapi.json'),
  );
  expect(Object.keys(spec.paths['/v1/workspaces/{id}'] ?? {})).toContain('patch');
});
