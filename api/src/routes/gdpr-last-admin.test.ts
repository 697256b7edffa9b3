import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildTestApi, type TestApi } from '../test-app.js';

let h: TestApi;
beforeAll(async () => {
  h = await buildTestApi();
});
afterAll(async () => h?.close());

describe('erasing instance admins', () => {
  it('refuses to erase the last live admin with 409 problem+json, by id or by email', async () => {
    const officer = await h.user('officer.last@example.com', { role: 'compliance' });
    const first = await h.user('first.admin@example.com', { role: 'admin' });
    const erase = (body: Record<string, string>) =>
      h.request('/v1/gdpr/erasures', { method: 'POST', token: officer.token, json: body });

    for (const body of [{ userId: first.id }, { email: first.email }] as Record<string, string>[]) {
      const refused = await erase(body);
      expect(refused.status).toBe(409);
      expect(refused.headers.get('content-type')).toBe('application/problem+json');
      expect(await refused.json()).toMatchObject({
        status: 409,
        detail: expect.stringMatching(/last instance admin/),
      });
    }
    expect(await h.t.db.selectFrom('erasure_requests').selectAll().execute()).toEqual([]);
    expect((await h.request('/v1/me', { token: first.token })).status).toBe(200);

    // With a second admin the first may go; then the second is the last one.
    const second = await h.user('second.admin@example.com', { role: 'admin' });
    const accepted = await erase({ userId: first.id });
    expect(accepted.status).toBe(202);
    const { id } = (await accepted.json()) as { id: string };
    await h.api.erasureWorker?.kick();
    await vi.waitFor(
      async () => {
        const current = await h.request(`/v1/gdpr/erasures/${id}`, { token: officer.token });
        expect(((await current.json()) as { status: string }).status).toBe('done');
      },
      { timeout: 10_000, interval: 50 },
    );
    expect((await erase({ userId: second.id })).status).toBe(409);
    expect((await h.request('/v1/me', { token: second.token })).status).toBe(200);
  });
});
