import { apiTokenIssuer } from '@folio/shared/commands';
import { createLogger } from '@folio/shared/logger';
import { createRedis } from '@folio/shared/redis';
import { afterAll, describe, expect, it } from 'vitest';
import { createApi } from '../app.js';
import { buildTestApi, type TestApi } from '../test-app.js';

const built: TestApi[] = [];
const build = async (...args: Parameters<typeof buildTestApi>) => {
  const h = await buildTestApi(...args);
  built.push(h);
  return h;
};
afterAll(async () => {
  await Promise.all(built.map((h) => h.close()));
});

const expectProblem = async (response: Response, status: number) => {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toBe('application/problem+json');
  const body = (await response.json()) as Record<string, unknown>;
  expect(body).toMatchObject({
    status,
    type: expect.any(String),
    title: expect.any(String),
    detail: expect.any(String),
  });
  return body;
};

describe('errors are problem+json', () => {
  it('404 for unknown routes, inside and outside /v1', async () => {
    const h = await build();
    await expectProblem(await h.request('/v1/nothing-here'), 404);
    await expectProblem(await h.request('/nope'), 404);
  });

  it('413 for a body over MAX_BODY_BYTES', async () => {
    const h = await build({ MAX_BODY_BYTES: '1024' });
    const user = await h.user('big@example.com');
    const response = await h.request('/v1/documents', {
      method: 'POST',
      token: user.token,
      json: { title: 'big', content: { text: 'x'.repeat(5000) } },
    });
    await expectProblem(response, 413);
  });

  it('400 naming the parameter for NUL characters, which Postgres text cannot hold', async () => {
    const h = await build();
    const user = await h.user('nul@example.com');
    const query = await expectProblem(
      await h.request('/v1/documents?workspaceId=a%00b', { token: user.token }),
      400,
    );
    expect(query.field).toBe('workspaceId');
    const path = await expectProblem(await h.request('/v1/documents/a%00b', { token: user.token }), 400);
    expect(path.field).toBe('path');
  });

  it('500 without a stack trace or the error message', async () => {
    const h = await build();
    h.api.app.get('/boom', () => {
      throw new Error('database password is hunter2');
    });
    const response = await h.request('/boom');
    const body = await expectProblem(response, 500);
    expect(JSON.stringify(body)).not.toMatch(/hunter2|at .*\.js/);
  });
});

describe('rate limit per user', () => {
  for (const redis of [false, true]) {
    it(`429 after RATE_LIMIT_PER_MINUTE requests of one user, over all their tokens (${redis ? 'Redis' : 'in-memory'})`, async () => {
      const h = await build({ RATE_LIMIT_PER_MINUTE: '4' }, { redis });
      const a = await h.user('a@example.com');
      const b = await h.user('b@example.com');
      const { token: second } = await apiTokenIssuer(h.t.db, {
        userId: a.id,
        scopes: ['read'],
        actorId: a.id,
      });
      // The window opens at a user's first request and lasts a minute: this test is far shorter.
      const statuses = [];
      for (const token of [a.token, second, a.token, second]) {
        statuses.push((await h.request('/v1/me', { token })).status);
      }
      expect(statuses).toEqual([200, 200, 200, 200]);
      for (const token of [second, a.token]) {
        const limited = await h.request('/v1/me', { token });
        await expectProblem(limited.clone(), 429);
        expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
        expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(60);
        expect(limited.headers.get('ratelimit-remaining')).toBe('0');
      }
      // Another user is unaffected.
      expect((await h.request('/v1/me', { token: b.token })).status).toBe(200);
    });
  }

  it('two API instances on one Redis share one budget per user', async () => {
    const h = await build({ RATE_LIMIT_PER_MINUTE: '4' }, { redis: true });
    const log = createLogger({ level: 'silent', name: 'api-test-2' });
    const redis = createRedis({ url: h.config.REDIS_URL, log, name: 'api-test-2' });
    const other = createApi({
      config: h.config,
      db: h.t.db,
      replica: h.t.db,
      log,
      redis,
      secretKey: 'x'.repeat(40),
      jobs: h.jobs,
    });
    try {
      const user = await h.user('shared@example.com');
      const me = (app: { request: typeof other.app.request }) =>
        Promise.resolve(app.request('/v1/me', { headers: { authorization: `Bearer ${user.token}` } }));
      const statuses = [];
      for (const app of [h.api.app, other.app, h.api.app, other.app]) statuses.push((await me(app)).status);
      expect(statuses).toEqual([200, 200, 200, 200]);
      expect((await me(other.app)).status).toBe(429);
      expect((await me(h.api.app)).status).toBe(429);
      expect(await h.redis?.exists(`${h.config.REDIS_KEY_PREFIX}ratelimit:${user.id}`)).toBe(1);
    } finally {
      await other.close();
      redis?.disconnect();
    }
  });
});

describe('OpenAPI', () => {
  it('describes every /v1 route of the contract, and /docs renders it without external assets', async () => {
    const h = await build();
    const spec = (await (await h.request('/openapi.json')).json()) as {
      paths: Record<string, Record<string, unknown>>;
      components: { schemas: Record<string, unknown> };
    };
    const routes = Object.entries(spec.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    );
    for (const route of [
      'GET /v1/me',
      'POST /v1/tokens',
      'GET /v1/tokens',
      'DELETE /v1/tokens/{id}',
      'POST /v1/workspaces',
      'GET /v1/workspaces',
      'PUT /v1/workspaces/{id}/members/{userId}',
      'DELETE /v1/workspaces/{id}/members/{userId}',
      'GET /v1/invitations',
      'POST /v1/invitations/{id}/accept',
      'DELETE /v1/invitations/{id}',
      'POST /v1/documents',
      'GET /v1/documents',
      'GET /v1/documents/{id}',
      'PATCH /v1/documents/{id}',
      'DELETE /v1/documents/{id}',
      'GET /v1/documents/{id}/content',
      'PUT /v1/documents/{id}/content',
      'POST /v1/documents/{id}/updates',
      'GET /v1/documents/{id}/permissions',
      'PUT /v1/documents/{id}/permissions/{userId}',
      'DELETE /v1/documents/{id}/permissions/{userId}',
      'POST /v1/documents/{id}/connect-token',
    ]) {
      expect(routes).toContain(route);
    }
    expect(spec.components.schemas).toHaveProperty('DocumentCreate');
    const docs = await h.request('/docs');
    expect(docs.status).toBe(200);
    const html = await docs.text();
    expect(html).toContain('/openapi.json');
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href="https?:/);
    // For a person: authentication explained, a curl line per route with an example
    // body, fields inline; no link to SSO sign-in when SSO is off (it would 404).
    expect(html).toContain('Authorization: Bearer &lt;token&gt;');
    const curls = html.match(/<pre>curl /g) ?? [];
    const operations = Object.entries(spec.paths)
      .filter(([path]) => !path.startsWith('/auth/'))
      .flatMap(([, methods]) => Object.keys(methods)).length;
    expect(curls.length).toBe(operations);
    expect(html).toContain(
      `curl -s -X POST -H &quot;Authorization: Bearer $TOKEN&quot; -H &#39;content-type: application/json&#39; -d &#39;{&quot;name&quot;:&quot;string&quot;,&quot;searchLanguage&quot;:&quot;english&quot;}&#39; &#39;http://127.0.0.1:3000/v1/workspaces&#39;`,
    );
    expect(html).toMatch(/<code>title<\/code> <span class="t">string<\/span> <b>required<\/b>/);
    expect(html).not.toContain('href="/auth/login"');
  });
});
