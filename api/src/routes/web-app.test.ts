import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loginLinkIssuer } from '@folio/shared/commands';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppEnv } from '../http/env.js';
import { buildTestApi, type TestApi } from '../test-app.js';
import { webAppContentSecurityPolicy, webAppRoutes } from './web-app.js';

let t: TestApi;
let root: string;
beforeAll(async () => {
  t = await buildTestApi();
  root = await mkdtemp(join(tmpdir(), 'folio-web-app-'));
  await mkdir(join(root, 'assets'));
  await writeFile(
    join(root, 'index.html'),
    '<!doctype html><title>Folio</title><script src="/app/assets/index-abc.js"></script>',
  );
  await writeFile(join(root, 'assets', 'index-abc.js'), 'console.log(1)');
});
afterAll(async () => {
  await t?.close();
  await rm(root, { recursive: true, force: true });
});

const app = () =>
  new Hono<AppEnv>().route('/app', webAppRoutes({ root, collabPublicUrl: 'ws://127.0.0.1:1234' }));

describe('the web app under /app', () => {
  it('serves index.html for every app path, with a policy that allows scripts from here only', async () => {
    for (const path of ['/app/', '/app/d/abc', '/app/compliance?x=1']) {
      const response = await app().request(path);
      expect(response.status, path).toBe(200);
      expect(await response.text()).toContain('<title>Folio</title>');
      expect(response.headers.get('content-security-policy')).toBe(
        webAppContentSecurityPolicy('ws://127.0.0.1:1234'),
      );
      expect(response.headers.get('cache-control')).toBe('no-cache');
    }
    expect(webAppContentSecurityPolicy('wss://collab.example/x')).toContain(
      "connect-src 'self' wss://collab.example;",
    );
    expect((await app().request('/app')).headers.get('location')).toBe('/app/');
  });

  it('serves hashed assets for a year and nothing outside assets/', async () => {
    const asset = await app().request('/app/assets/index-abc.js');
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toContain('text/javascript');
    expect(asset.headers.get('cache-control')).toContain('immutable');
    for (const path of ['/app/assets/..%2Findex.html', '/app/assets/missing.js', '/app/assets/x.exe']) {
      expect((await app().request(path)).status, path).toBe(404);
    }
  });

  it('says how to build it when it is not built', async () => {
    const bare = new Hono<AppEnv>().route(
      '/app',
      webAppRoutes({ root: undefined, collabPublicUrl: 'ws://h:1' }),
    );
    const response = await bare.request('/app/');
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ detail: expect.stringContaining('pnpm run build') });
  });
});

describe('GET /auth/link', () => {
  it('spends a one-time link, sets the session cookie and goes to the app; a second use goes to the sign-in page', async () => {
    const user = await t.user('link@example.com');
    const { secret } = await loginLinkIssuer(t.t.db, { userId: user.id });
    const response = await t.api.app.request(`/auth/link?token=${secret}`);
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/app/');
    expect(response.headers.get('cache-control')).toBe('no-store');
    const cookie = /folio_session=([^;]+)/.exec(response.headers.get('set-cookie') ?? '')?.[1];
    expect(response.headers.get('set-cookie')).toMatch(/HttpOnly/i);
    expect(response.headers.get('set-cookie')).toMatch(/SameSite=Lax/i);
    expect(cookie).toBeDefined();
    const me = await t.api.app.request('/v1/me', { headers: { cookie: `folio_session=${cookie}` } });
    expect(await me.json()).toMatchObject({ id: user.id, email: 'link@example.com' });

    // The session is the contract's: writes need our Origin (CSRF).
    const origin = new URL(t.config.PUBLIC_URL).origin;
    const write = (headers: Record<string, string>) =>
      t.api.app.request('/v1/workspaces', {
        method: 'POST',
        headers: { cookie: `folio_session=${cookie}`, 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ name: 'From the browser' }),
      });
    expect((await write({})).status).toBe(403);
    expect((await write({ origin: 'https://evil.example' })).status).toBe(403);
    expect((await write({ origin })).status).toBe(201);

    const again = await t.api.app.request(`/auth/link?token=${secret}`);
    expect(again.status).toBe(302);
    expect(again.headers.get('location')).toBe('/app/sign-in?link=invalid');
    expect(again.headers.get('set-cookie')).toBeNull();
  });

  it('goes back only to a path of ours', async () => {
    const user = await t.user('link-return@example.com');
    for (const [returnTo, expected] of [
      ['/app/d/abc', '/app/d/abc'],
      ['//evil.example/x', '/app/'],
      ['https://evil.example/', '/app/'],
    ] as const) {
      const { secret } = await loginLinkIssuer(t.t.db, { userId: user.id });
      const response = await t.api.app.request(
        `/auth/link?token=${secret}&returnTo=${encodeURIComponent(returnTo)}`,
      );
      expect(response.headers.get('location'), returnTo).toBe(expected);
    }
  });

  it('tells the app whether single sign-on is configured', async () => {
    expect(await (await t.api.app.request('/auth/options')).json()).toEqual({ sso: false });
  });
});
