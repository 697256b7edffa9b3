/**
 * Every route in the OpenAPI document, called with ids that do not exist, by an instance
 * admin, a workspace member and a stranger: a 4xx problem+json of the same shape, never a
 * 5xx and never a 2xx that pretends the unknown thing exists. New routes are walked as
 * soon as they are registered.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApi, type TestApi } from '../test-app.js';

let h: TestApi;
let callers: Record<string, string>;
let workspaceId: string;

const unknownId = '00000000-0000-4000-8000-000000000000';

beforeAll(async () => {
  h = await buildTestApi();
  const admin = await h.user('walk-admin@example.com', { role: 'admin' });
  const member = await h.user('walk-member@example.com');
  const stranger = await h.user('walk-stranger@example.com');
  workspaceId = (await h.team(member, [])).id;
  callers = { admin: admin.token, member: member.token, stranger: stranger.token };
});
afterAll(() => h.close());

interface Operation {
  method: string;
  path: string;
  hasBody: boolean;
}

async function operations(): Promise<Operation[]> {
  const spec = (await (await h.request('/openapi.json')).json()) as {
    paths: Record<string, Record<string, { requestBody?: unknown }>>;
  };
  return Object.entries(spec.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({
      method: method.toUpperCase(),
      path,
      hasBody: op.requestBody !== undefined,
    })),
  );
}

function expectProblem(status: number, body: unknown, where: string): void {
  expect(status, where).toBeGreaterThanOrEqual(400);
  expect(status, where).toBeLessThan(500);
  expect(body, where).toMatchObject({
    type: expect.stringMatching(/^https:\/\/folio\.dev\/problems\//),
    title: expect.any(String),
    status,
    detail: expect.any(String),
  });
}

describe('every route with unknown ids', () => {
  it('answers a 4xx problem+json to an admin, a member and a stranger', async () => {
    const ops = (await operations()).filter((op) => op.path.includes('{'));
    expect(ops.length).toBeGreaterThan(20);
    const wrong: string[] = [];
    for (const op of ops) {
      const path = op.path.replace(/\{[^}]+\}/g, unknownId);
      for (const [who, token] of Object.entries(callers)) {
        const response = await h.request(path, {
          method: op.method,
          token,
          headers: { origin: 'http://127.0.0.1:3000' },
          ...(op.hasBody ? { json: {} } : {}),
        });
        const where = `${who}: ${op.method} ${op.path} → ${response.status}`;
        const body = await response.text();
        if (!response.headers.get('content-type')?.startsWith('application/problem+json')) {
          wrong.push(`${where} ${body.slice(0, 120)}`);
          continue;
        }
        try {
          expectProblem(response.status, JSON.parse(body), where);
        } catch {
          wrong.push(`${where} ${body.slice(0, 120)}`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it('answers 404 for an unknown workspace named in a body or a path', async () => {
    for (const [who, token] of Object.entries(callers)) {
      const created = await h.request('/v1/documents', {
        method: 'POST',
        token,
        json: { title: 'Nowhere', workspaceId: unknownId },
      });
      expect(created.status, who).toBe(404);
      expectProblem(created.status, await created.json(), who);
      const members = await h.request(`/v1/workspaces/${unknownId}/members`, { token });
      expect(members.status, who).toBe(404);
    }
  });

  it('keeps answering an existing workspace to its member', async () => {
    const members = await h.request(`/v1/workspaces/${workspaceId}/members`, { token: callers.member });
    expect(members.status).toBe(200);
  });
});

describe('errors that say what to do', () => {
  it('names the missing scope, the Bearer scheme, the media type, the required field and the allowed methods', async () => {
    const readOnly = await h.user('walk-reader@example.com', { role: 'admin', scopes: ['read'] });
    const scope = await h.request('/v1/workspaces', {
      method: 'POST',
      token: readOnly.token,
      json: { name: 'W' },
    });
    expect(scope.status).toBe(403);
    expect(((await scope.json()) as { detail: string }).detail).toBe('this token lacks the `write` scope');

    const bare = await h.request('/v1/me', { headers: { authorization: callers.member as string } });
    expect(bare.status).toBe(401);
    expect(((await bare.json()) as { detail: string }).detail).toMatch(/Authorization: Bearer <token>/);

    const asText = await h.request('/v1/workspaces', {
      method: 'POST',
      token: callers.member,
      headers: { 'content-type': 'text/plain' },
      body: 'name=W',
    });
    expect(asText.status).toBe(415);
    const media = (await asText.json()) as { type: string; detail: string };
    expect(media.type).toBe('https://folio.dev/problems/unsupported-media-type');
    expect(media.detail).toMatch(/application\/json/);

    const missing = await h.request('/v1/workspaces', { method: 'POST', token: callers.member, json: {} });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ field: 'name', detail: 'name: is required' });

    const wrongMethod = await h.request('/v1/me', { method: 'DELETE', token: callers.member });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('GET, HEAD');
    expect(((await wrongMethod.json()) as { type: string }).type).toBe(
      'https://folio.dev/problems/method-not-allowed',
    );

    const root = await h.request('/');
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/docs');
  });
});
