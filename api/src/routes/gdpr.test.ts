import { findInDatabase, findInRedis } from '@folio/shared/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildTestApi, type TestApi } from '../test-app.js';

let h: TestApi;
beforeAll(async () => {
  h = await buildTestApi({}, { redis: true });
});
afterAll(async () => h?.close());

type Erasure = { id: string; status: string; report: Record<string, unknown> | null; error: string | null };

async function erasure(token: string, id: string): Promise<Erasure> {
  const response = await h.request(`/v1/gdpr/erasures/${id}`, { token });
  expect(response.status).toBe(200);
  return (await response.json()) as Erasure;
}

describe('GDPR routes', () => {
  it('erases a user asynchronously: 202, then done with a report, and the user is locked out', async () => {
    const officer = await h.user('officer@example.com', { role: 'compliance' });
    const victim = await h.user('ursula.unique@example.com');
    const created = await h.request('/v1/documents', {
      method: 'POST',
      token: victim.token,
      json: { title: 'Ursula diary', content: { text: 'ursula wrote a private line' } },
    });
    expect(created.status).toBe(201);
    // A rate-limit window now exists in Redis for the victim.
    expect((await h.request('/v1/me', { token: victim.token })).status).toBe(200);
    const prefix = h.config.REDIS_KEY_PREFIX;
    expect(await h.redis?.keys(`${prefix}ratelimit:${victim.id}`)).toHaveLength(1);

    const accepted = await h.request('/v1/gdpr/erasures', {
      method: 'POST',
      token: officer.token,
      json: { email: 'Ursula.Unique@example.com' },
    });
    expect(accepted.status).toBe(202);
    const { id, status } = (await accepted.json()) as { id: string; status: string };
    expect(status).toBe('pending');
    expect(accepted.headers.get('location')).toBe(`/v1/gdpr/erasures/${id}`);

    const done = await vi.waitFor(
      async () => {
        const current = await erasure(officer.token, id);
        expect(current.status).toBe('done');
        return current;
      },
      { timeout: 10_000, interval: 50 },
    );
    expect(done.report).toMatchObject({ documentsDeleted: 1, apiTokensDeleted: 1 });
    const pseudonym = String(done.report?.userId);
    expect(pseudonym).not.toBe(victim.id);
    expect(done.report?.redisKeysDeleted).toBeGreaterThanOrEqual(1);

    expect((await h.request('/v1/me', { token: victim.token })).status).toBe(401);
    const needles = [
      'ursula.unique@example.com',
      'ursula.unique',
      'ursula wrote a private line',
      'Ursula diary',
    ];
    expect(await findInDatabase(h.t.db, [...needles, victim.id])).toEqual([]);
    const redis = h.redis as NonNullable<typeof h.redis>;
    expect(await findInRedis(redis, h.config.REDIS_KEY_PREFIX, [...needles, victim.id])).toEqual([]);

    // Asking again: the pseudonym is already erased; the original id names nobody.
    const again = (userId: string) =>
      h.request('/v1/gdpr/erasures', { method: 'POST', token: officer.token, json: { userId } });
    expect((await again(pseudonym)).status).toBe(409);
    expect((await again(victim.id)).status).toBe(404);

    // The officer's audit view: the erased user's entries under the pseudonym, the chain intact.
    const audit = await h.request(`/v1/audit?actorId=${pseudonym}`, { token: officer.token });
    expect(((await audit.json()) as { items: { action: string }[] }).items.map((e) => e.action)).toContain(
      'document.create',
    );
    const verified = await h.request('/v1/audit/verify', { token: officer.token });
    expect(await verified.json()).toMatchObject({ ok: true });
  });

  it('validates the body and answers 404 for unknown users and requests', async () => {
    const officer = await h.user('officer2@example.com', { role: 'compliance' });
    const post = (json: unknown) =>
      h.request('/v1/gdpr/erasures', { method: 'POST', token: officer.token, json });
    expect((await post({})).status).toBe(400);
    expect((await post({ email: 'a@example.com', userId: 'x' })).status).toBe(400);
    expect((await post({ email: 'not-an-email' })).status).toBe(400);
    const unknown = await post({ email: 'nobody@example.com' });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { field?: string }).field).toBe('email');
    expect((await h.request('/v1/gdpr/erasures/does-not-exist', { token: officer.token })).status).toBe(404);
  });

  it('is for the compliance and admin roles with the admin scope; export also for the user themself', async () => {
    const member = await h.user('member@example.com');
    const other = await h.user('other@example.com');
    const narrow = await h.user('narrow@example.com', { role: 'compliance', scopes: ['read', 'write'] });
    const admin = await h.user('root@example.com', { role: 'admin' });

    const post = (token: string) =>
      h.request('/v1/gdpr/erasures', { method: 'POST', token, json: { userId: other.id } });
    expect((await post(member.token)).status).toBe(403);
    expect((await post(narrow.token)).status).toBe(403);
    expect((await h.request(`/v1/gdpr/exports/${other.id}`, { token: member.token })).status).toBe(403);
    expect((await h.request(`/v1/gdpr/exports/${other.id}`, { token: narrow.token })).status).toBe(403);

    const own = await h.request(`/v1/gdpr/exports/${member.id}`, { token: member.token });
    expect(own.status).toBe(200);
    expect(await own.json()).toMatchObject({ profile: { id: member.id, email: 'member@example.com' } });

    const byAdmin = await h.request(`/v1/gdpr/exports/${other.id}`, { token: admin.token });
    expect(byAdmin.status).toBe(200);
    expect((await h.request('/v1/gdpr/exports/nobody', { token: admin.token })).status).toBe(404);
    expect((await h.request('/v1/gdpr/exports/nobody')).status).toBe(401);
  });

  it('exports owned documents with their content, and audits the export', async () => {
    const officer = await h.user('officer3@example.com', { role: 'compliance' });
    const writer = await h.user('writer@example.com');
    await h.request('/v1/documents', {
      method: 'POST',
      token: writer.token,
      json: { title: 'Essay', content: { markdown: '# Title\n\nexported words' } },
    });
    const response = await h.request(`/v1/gdpr/exports/${writer.id}`, { token: officer.token });
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      documents: { title: string; content: { text: string; json: Record<string, unknown> } }[];
      memberships: unknown[];
      auditEntries: { action: string }[];
    };
    expect(body.documents).toHaveLength(1);
    expect(body.documents[0]?.content.text).toContain('exported words');
    expect(JSON.stringify(body.documents[0]?.content.json)).toContain('exported words');
    expect(body.memberships).toHaveLength(1);
    expect(body.auditEntries.map((e) => e.action)).toContain('document.create');
    const audit = await h.t.db
      .selectFrom('audit_events')
      .select(['actor_id', 'details'])
      .where('action', '=', 'gdpr.export')
      .execute();
    expect(audit).toContainEqual({ actor_id: officer.id, details: { userId: writer.id } });
  });

  it('is described in the OpenAPI document', async () => {
    const doc = (await (await h.request('/openapi.json')).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/v1/gdpr/erasures', '/v1/gdpr/erasures/{id}', '/v1/gdpr/exports/{userId}']),
    );
  });
});
