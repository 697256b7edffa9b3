import { apiTokenIssuer, SESSION_TTL_MS, sessionStarter } from '@folio/shared/commands';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApi, type TestApi } from '../test-app.js';

let h: TestApi;
beforeAll(async () => {
  h = await buildTestApi({ MAX_API_TOKENS_PER_USER: '5' });
});
afterAll(async () => h?.close());

type Created = { id: string; token: string; expiresAt: string | null };
const mint = (token: string, json: Record<string, unknown>) =>
  h.request('/v1/tokens', { method: 'POST', token, json });

describe('minted tokens', () => {
  it('never outlive the token that minted them: inherit its expiry, or 400 beyond it', async () => {
    const user = await h.user('parent@example.com');
    const parentExpiry = new Date(Date.now() + 2 * 60_000);
    const { token: shortLived } = await apiTokenIssuer(h.t.db, {
      userId: user.id,
      scopes: ['read', 'write'],
      expiresAt: parentExpiry,
      actorId: user.id,
    });

    const inherited = await mint(shortLived, { name: 'child' });
    expect(inherited.status).toBe(201);
    expect(((await inherited.json()) as Created).expiresAt).toBe(parentExpiry.toISOString());

    const later = await mint(shortLived, {
      expiresAt: new Date(Date.now() + 365 * 86_400_000).toISOString(),
    });
    expect(later.status).toBe(400);
    expect(later.headers.get('content-type')).toBe('application/problem+json');
    expect(await later.json()).toMatchObject({ status: 400, field: 'expiresAt' });

    const sooner = new Date(Date.now() + 60_000);
    const within = await mint(shortLived, { expiresAt: sooner.toISOString() });
    expect(within.status).toBe(201);
    expect(((await within.json()) as Created).expiresAt).toBe(sooner.toISOString());

    // A token without expiry still mints tokens without expiry.
    const forever = await mint(user.token, {});
    expect(((await forever.json()) as Created).expiresAt).toBeNull();
    const rows = await h.t.db
      .selectFrom('api_tokens')
      .select('expires_at')
      .where('user_id', '=', user.id)
      .execute();
    expect(rows.filter((r) => r.expires_at === null)).toHaveLength(2);
  });

  it('minted from a browser session, expire no later than the session', async () => {
    const user = await h.user('session.parent@example.com');
    const { secret, expiresAt } = await sessionStarter(h.t.db, { userId: user.id });
    const response = await h.request('/v1/tokens', {
      method: 'POST',
      json: { name: 'from the browser' },
      headers: { cookie: `folio_session=${secret}`, origin: new URL(h.config.PUBLIC_URL).origin },
    });
    expect(response.status).toBe(201);
    const created = (await response.json()) as Created;
    expect(created.expiresAt).not.toBeNull();
    expect(new Date(created.expiresAt ?? 0).getTime()).toBeLessThanOrEqual(expiresAt.getTime());
    expect(new Date(created.expiresAt ?? 0).getTime()).toBeGreaterThan(Date.now() + SESSION_TTL_MS - 60_000);
  });
});

describe('live tokens per user', () => {
  it('are capped at MAX_API_TOKENS_PER_USER: 409 problem+json beyond, room again after a revocation', async () => {
    const user = await h.user('hoarder@example.com');
    // An expired token does not count.
    await apiTokenIssuer(h.t.db, {
      userId: user.id,
      scopes: ['read'],
      expiresAt: new Date(Date.now() - 1000),
      actorId: user.id,
    });
    // The user holds 1 live token; a burst of 6 concurrent mints may add exactly 4.
    const burst = await Promise.all(Array.from({ length: 6 }, () => mint(user.token, { scopes: ['read'] })));
    const statuses = burst.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 201, 201, 201, 409, 409]);
    const refused = burst.find((r) => r.status === 409) as Response;
    expect(refused.headers.get('content-type')).toBe('application/problem+json');
    expect(await refused.json()).toMatchObject({
      status: 409,
      detail: expect.stringMatching(/live API tokens/),
    });

    const created = (await (burst.find((r) => r.status === 201) as Response).json()) as Created;
    expect(
      (await h.request(`/v1/tokens/${created.id}`, { method: 'DELETE', token: user.token })).status,
    ).toBe(204);
    expect((await mint(user.token, {})).status).toBe(201);
    expect((await mint(user.token, {})).status).toBe(409);
    // Another user has a budget of their own.
    const other = await h.user('frugal@example.com');
    expect((await mint(other.token, {})).status).toBe(201);
  });
});
