import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
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

const expectSecureHeaders = (response: Response) => {
  expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  expect(response.headers.get('x-frame-options')).toBe('DENY');
  expect(response.headers.get('referrer-policy')).toBe('no-referrer');
  expect(response.headers.get('cross-origin-resource-policy')).toBe('same-origin');
  expect(response.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
  expect(response.headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/);
};

describe('secure headers', () => {
  it('on JSON, problem+json and error responses alike', async () => {
    const h = await build();
    const user = await h.user('headers@example.com');
    const ok = await h.request('/v1/me', { token: user.token });
    expect(ok.status).toBe(200);
    expectSecureHeaders(ok);
    const unauthenticated = await h.request('/v1/me');
    expect(unauthenticated.status).toBe(401);
    expectSecureHeaders(unauthenticated);
    expectSecureHeaders(await h.request('/nope'));
    expectSecureHeaders(await h.request('/healthz'));
  });

  it('/docs gets a policy that allows no script and exactly its own inline style', async () => {
    const h = await build();
    const docs = await h.request('/docs');
    expect(docs.status).toBe(200);
    expect(docs.headers.get('x-content-type-options')).toBe('nosniff');
    const policy = Object.fromEntries(
      (docs.headers.get('content-security-policy') ?? '').split(';').map((d) => {
        const [name = '', ...values] = d.trim().split(/\s+/);
        return [name, values];
      }),
    );
    const html = await docs.text();
    const hashes = (tag: string) =>
      [...html.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g'))].map(
        ([, body]) =>
          `'sha256-${createHash('sha256')
            .update(body ?? '')
            .digest('base64')}'`,
      );
    // What a browser would check: the inline style's hash is allowed, no script, nothing unsafe.
    expect(html).not.toMatch(/<script/);
    expect(policy['script-src']).toEqual(["'none'"]);
    expect(hashes('style')).toHaveLength(1);
    expect(policy['style-src']).toEqual(hashes('style'));
    expect(policy['default-src']).toEqual(["'none'"]);
    expect(html).not.toMatch(/ style=| on[a-z]+=/);
    expect(JSON.stringify(policy)).not.toContain('unsafe');
    expect((await h.request('/openapi.json')).status).toBe(200);
  });
});

describe('API /metrics', () => {
  it('is open without METRICS_TOKEN', async () => {
    const h = await build();
    const response = await h.request('/metrics');
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('process_cpu_seconds_total');
  });

  it('with METRICS_TOKEN, needs Authorization: Bearer <it> (401 problem+json otherwise)', async () => {
    const token = 'metrics-scraper-secret-0123456789';
    const h = await build({ METRICS_TOKEN: token });
    for (const authorization of [undefined, 'Bearer nope', `Bearer ${token.slice(1)}`]) {
      const refused = await h.request('/metrics', authorization ? { headers: { authorization } } : {});
      expect(refused.status, String(authorization)).toBe(401);
      expect(refused.headers.get('content-type')).toBe('application/problem+json');
      expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer/);
    }
    // An API token is not a metrics token.
    const user = await h.user('scraper@example.com');
    expect((await h.request('/metrics', { token: user.token })).status).toBe(401);
    const allowed = await h.request('/metrics', { headers: { authorization: `Bearer ${token}` } });
    expect(allowed.status).toBe(200);
    expect(await allowed.text()).toContain('process_cpu_seconds_total');
  });
});
