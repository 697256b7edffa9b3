import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildTestApi, type TestApi } from '../test-app.js';

let h: TestApi;
beforeAll(async () => {
  h = await buildTestApi();
});
afterAll(() => h.close());

const lookup = async (token: string, email: string) => {
  const response = await h.request(`/v1/users?email=${encodeURIComponent(email)}`, { token });
  expect(response.status).toBe(200);
  return ((await response.json()) as { items: { id: string; email: string; name: string }[] }).items;
};

it('finds people to share with by email, and nobody outside the caller’s workspaces', async () => {
  const alice = await h.user('alice@example.com');
  const bob = await h.user('bob@example.com');
  const stranger = await h.user('stranger@example.com');
  const admin = await h.user('root@example.com', { role: 'admin' });
  await h.team(alice, [bob]);

  expect(await lookup(alice.token, 'BOB@example.com')).toEqual([
    { id: bob.id, email: bob.email, name: 'bob' },
  ]);
  expect(await lookup(alice.token, 'alice@example.com')).toEqual([
    { id: alice.id, email: alice.email, name: 'alice' },
  ]);
  // Existing but unrelated answers exactly like unknown.
  expect(await lookup(stranger.token, 'bob@example.com')).toEqual([]);
  expect(await lookup(stranger.token, 'nobody@example.com')).toEqual([]);
  expect(await lookup(admin.token, 'stranger@example.com')).toEqual([
    { id: stranger.id, email: stranger.email, name: 'stranger' },
  ]);

  const missing = await h.request('/v1/users', { token: alice.token });
  expect(missing.status).toBe(400);
  expect(await missing.json()).toMatchObject({ field: 'email', detail: 'email: is required' });
});
