import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FuzzRequest, requestArbitrary } from './openapi-fuzz.js';
import { buildTestApi, type TestApi } from './test-app.js';

/**
 * Every REST operation of the OpenAPI document, fuzzed (issue 11): schema-shaped and
 * hostile inputs, as an admin with every scope so that requests get past
 * authorization into the handlers. No input may produce a 5xx, and every refusal is
 * problem+json. Seeded: FUZZ_SEED reruns a failure, FUZZ_RUNS sets the count
 * (`pnpm fuzz` runs many more).
 */
const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Math.floor(Math.random() * 2 ** 31);
const numRuns = Number(process.env.FUZZ_RUNS ?? 300);

let t: TestApi;
let token: string;
let ids: string[];
beforeAll(async () => {
  t = await buildTestApi({ RATE_LIMIT_PER_MINUTE: '1000000' });
  const admin = await t.user('fuzz-admin@example.test', { role: 'admin' });
  token = admin.token;
  const other = await t.user('fuzz-other@example.test');
  const workspace = await t.team(admin, [other]);
  const document = (await (
    await t.request('/v1/documents', {
      method: 'POST',
      token,
      json: { title: 'fuzzed', workspaceId: workspace.id },
    })
  ).json()) as { id: string };
  ids = [admin.id, other.id, workspace.id, document.id, 'me', '00000000-0000-0000-0000-000000000000'];
});
afterAll(() => t.close());

const send = (r: FuzzRequest) => {
  const headers = new Headers({ authorization: `Bearer ${token}` });
  if (r.contentType) headers.set('content-type', r.contentType);
  return t.api.app.request(r.path, {
    method: r.method,
    headers,
    ...(r.body !== undefined ? { body: r.body } : {}),
  });
};

describe('REST fuzzing', () => {
  it(`answers every generated request without a 5xx, refusals as problem+json (seed ${seed})`, async () => {
    const document = (await (await t.request('/openapi.json')).json()) as Parameters<
      typeof requestArbitrary
    >[0];
    await fc.assert(
      fc.asyncProperty(requestArbitrary(document, ids), async (request) => {
        const response = await send(request);
        const body = await response.text();
        expect(response.status, `${request.method} ${request.path}: ${body.slice(0, 300)}`).toBeLessThan(500);
        if (response.status >= 400) {
          expect(response.headers.get('content-type'), `${request.method} ${request.path}`).toContain(
            'application/problem+json',
          );
        }
      }),
      { seed, numRuns, endOnFailure: true },
    );
  }, 120_000);

  // Regressions: inputs the fuzzer found, kept as plain examples.
  it('answers an instance admin naming a workspace that does not exist with 404, not 500', async () => {
    for (const workspaceId of ['__proto__', 'no-such-workspace']) {
      const created = await send({
        method: 'POST',
        path: '/v1/documents',
        body: JSON.stringify({ title: 'x', workspaceId }),
        contentType: 'application/json',
      });
      expect(created.status).toBe(404);
      expect(created.headers.get('content-type')).toContain('application/problem+json');
    }
  });

  it('refuses text with NUL characters with 400, not 500', async () => {
    for (const [path, body] of [
      ['/v1/workspaces', { name: 'a\u0000b' }],
      ['/v1/documents', { title: '\u0000' }],
    ] as const) {
      const response = await send({
        method: 'POST',
        path,
        body: JSON.stringify(body),
        contentType: 'application/json',
      });
      expect(response.status, path).toBe(400);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
    }
  });
});
