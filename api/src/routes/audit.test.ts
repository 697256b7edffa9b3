import { appendAuditEvents } from '@folio/shared/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApi, type TestApi } from '../test-app.js';

let h: TestApi;
beforeAll(async () => {
  h = await buildTestApi();
});
afterAll(async () => h?.close());

type Entry = {
  id: string;
  at: string;
  actorId: string | null;
  action: string;
  documentId: string | null;
  details: Record<string, unknown>;
};
type Page = { items: Entry[]; nextCursor: string | null };
type User = Awaited<ReturnType<TestApi['user']>>;

async function audit(token: string, params: Record<string, string> = {}): Promise<Page> {
  const response = await h.request(`/v1/audit?${new URLSearchParams(params)}`, { token });
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as Page;
}

describe('GET /v1/audit', () => {
  let owner: User;
  let editor: User;
  let admin: User;
  let compliance: User;
  let documentId: string;
  let teamId: string;

  beforeAll(async () => {
    owner = await h.user('owner.audit@example.com');
    editor = await h.user('editor.audit@example.com');
    admin = await h.user('admin.audit@example.com', { role: 'admin' });
    compliance = await h.user('compliance.audit@example.com', { role: 'compliance' });
    teamId = (await h.team(owner, [editor])).id;
    documentId = (
      await h.createDocument(owner.token, {
        title: 'Audited',
        workspaceId: teamId,
        content: { text: 'hello' },
      })
    ).id;
    const grant = await h.request(`/v1/documents/${documentId}/permissions/${editor.id}`, {
      method: 'PUT',
      token: owner.token,
      json: { role: 'editor' },
    });
    expect(grant.status).toBe(200);
    const write = await h.request(`/v1/documents/${documentId}/content`, {
      method: 'PUT',
      token: editor.token,
      json: { text: 'hello world' },
    });
    expect(write.status).toBe(200);
    expect((await h.request(`/v1/documents/${documentId}/content`, { token: editor.token })).status).toBe(
      200,
    );
    const version = await h.request(`/v1/documents/${documentId}/versions`, {
      method: 'POST',
      token: owner.token,
      json: { label: 'one' },
    });
    const restore = await h.request(`/v1/documents/${documentId}/restore`, {
      method: 'POST',
      token: owner.token,
      json: { versionId: ((await version.json()) as { id: string }).id },
    });
    expect(restore.status).toBe(200);
    const revoke = await h.request(`/v1/documents/${documentId}/permissions/${editor.id}`, {
      method: 'DELETE',
      token: owner.token,
    });
    expect(revoke.status).toBe(204);
  });

  it('records what happened, by whom, as it happened', async () => {
    const { items } = await audit(admin.token, { documentId });
    expect(items.map((e) => [e.action, e.actorId])).toEqual([
      ['document.create', owner.id],
      ['document.update', owner.id],
      ['permission.grant', owner.id],
      ['document.update', editor.id],
      ['document.read', editor.id],
      ['document.version', owner.id],
      ['document.version', owner.id],
      ['document.restore', owner.id],
      ['permission.revoke', owner.id],
    ]);
    const edit = items.find((e) => e.action === 'document.update' && e.actorId === editor.id);
    expect(edit?.details).toMatchObject({ updates: 1, bytes: expect.any(Number) });
    expect(items.every((e) => e.documentId === documentId && !Number.isNaN(Date.parse(e.at)))).toBe(true);

    const tokens = await audit(admin.token, { action: 'token.create' });
    expect(tokens.items.map((e) => e.details.userId)).toContain(owner.id);
    const userCreated = await audit(admin.token, { action: 'user.create' });
    expect(userCreated.items.map((e) => e.details.userId)).toContain(editor.id);
  });

  it('a deletion and a token revocation are audited too', async () => {
    const doomed = await h.createDocument(owner.token, { title: 'Doomed' });
    expect(
      (await h.request(`/v1/documents/${doomed.id}`, { method: 'DELETE', token: owner.token })).status,
    ).toBe(204);
    const created = await h.request('/v1/tokens', {
      method: 'POST',
      token: owner.token,
      json: { name: 'tmp' },
    });
    const token = (await created.json()) as { id: string };
    expect((await h.request(`/v1/tokens/${token.id}`, { method: 'DELETE', token: owner.token })).status).toBe(
      204,
    );
    expect((await audit(admin.token, { documentId: doomed.id })).items.map((e) => e.action)).toEqual([
      'document.create',
      'document.delete',
    ]);
    const revoked = await audit(admin.token, { action: 'token.revoke', actorId: owner.id });
    expect(revoked.items.map((e) => e.details.tokenId)).toEqual([token.id]);
  });

  it('filters by time, pages with a cursor, and validates its parameters', async () => {
    const all = (await audit(admin.token, { documentId, limit: '1000' })).items;
    const middle = all[3] as Entry;
    const since = await audit(admin.token, { documentId, since: middle.at });
    expect(since.items.every((e) => e.at >= middle.at)).toBe(true);
    const until = await audit(admin.token, { documentId, until: middle.at });
    expect(until.items.every((e) => e.at < middle.at)).toBe(true);
    expect(since.items.length + until.items.length).toBe(all.length);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Page = await audit(admin.token, { documentId, limit: '2', ...(cursor ? { cursor } : {}) });
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((e) => e.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(all.map((e) => e.id));

    for (const [query, field] of [
      ['since=yesterday', 'since'],
      ['limit=0', 'limit'],
      ['action=DROP%20TABLE', 'action'],
      ['cursor=%21%21', 'cursor'],
      ['actorId=a%00b', 'actorId'],
      ['documentId=a%27b', 'documentId'],
    ] as const) {
      const response = await h.request(`/v1/audit?${query}`, { token: admin.token });
      expect(response.status, query).toBe(400);
      expect(((await response.json()) as { field: string }).field).toBe(field);
    }
  });

  it('admins and compliance read everything; an owner only their document, with a read token', async () => {
    const total = (await audit(admin.token, { limit: '1000' })).items.length;
    expect((await audit(compliance.token, { limit: '1000' })).items.length).toBeGreaterThanOrEqual(total);
    expect((await audit(owner.token, { documentId })).items.length).toBeGreaterThan(0);

    const status = async (user: { token: string }, query: string) =>
      (await h.request(`/v1/audit${query}`, { token: user.token })).status;
    expect(await status(owner, '')).toBe(403);
    expect(await status(owner, `?actorId=${owner.id}`)).toBe(403);
    // The editor lost access above; a stranger never had any: the document stays hidden.
    expect(await status(editor, `?documentId=${documentId}`)).toBe(404);
    const viewer = await h.user('viewer.audit@example.com');
    await h.join(teamId, owner, viewer);
    await h.request(`/v1/documents/${documentId}/permissions/${viewer.id}`, {
      method: 'PUT',
      token: owner.token,
      json: { role: 'viewer' },
    });
    expect(await status(viewer, `?documentId=${documentId}`)).toBe(403);
    // Contract: reading one's own document's audit entries is a read of that document.
    const ownerReadWrite = await h.user('rw.audit@example.com', { scopes: ['read', 'write'] });
    const own = await h.createDocument(ownerReadWrite.token, { title: 'Mine' });
    const mint = await h.request('/v1/tokens', {
      method: 'POST',
      token: ownerReadWrite.token,
      json: { name: 'auditor', scopes: ['read'] },
    });
    const readOnly = { token: ((await mint.json()) as { token: string }).token };
    const ownEntries = await audit(readOnly.token, { documentId: own.id });
    expect(ownEntries.items.map((e) => e.action)).toContain('document.create');
    expect(ownEntries.items.every((e) => e.documentId === own.id)).toBe(true);
    expect(await status(readOnly, '')).toBe(403);
    expect(await status(readOnly, `?documentId=${documentId}`)).toBe(404);
    const writeOnly = await h.request('/v1/tokens', {
      method: 'POST',
      token: ownerReadWrite.token,
      json: { name: 'writer', scopes: ['write'] },
    });
    const writer = { token: ((await writeOnly.json()) as { token: string }).token };
    expect(await status(writer, `?documentId=${own.id}`)).toBe(403);
    const complianceReadOnly = await h.user('ro.compliance@example.com', {
      role: 'compliance',
      scopes: ['read'],
    });
    expect(await status(complianceReadOnly, '')).toBe(403);
    expect((await h.request('/v1/audit')).status).toBe(401);
  });

  it('compliance reads the log but no content', async () => {
    expect((await h.request(`/v1/documents/${documentId}/content`, { token: compliance.token })).status).toBe(
      404,
    );
    expect(
      (await h.request(`/v1/documents/${documentId}/versions`, { token: compliance.token })).status,
    ).toBe(404);
    const hits = await h.request('/v1/search?q=hello', { token: compliance.token });
    expect(((await hits.json()) as { items: unknown[] }).items).toEqual([]);
  });

  it('streams every match as NDJSON, page after page', async () => {
    const bulk = Array.from({ length: 2_500 }, (_, i) => ({
      actorId: admin.id,
      action: 'test.bulk',
      details: { i },
    }));
    await appendAuditEvents(h.t.db, bulk);
    const response = await h.request('/v1/audit?action=test.bulk&limit=5', {
      token: compliance.token,
      headers: { accept: 'application/x-ndjson' },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    const lines = (await response.text()).split('\n');
    expect(lines.pop()).toBe('');
    const entries = lines.map((line) => JSON.parse(line) as Entry);
    expect(entries.map((e) => e.details.i)).toEqual(bulk.map((_, i) => i));
    expect(entries[0]).toMatchObject({ action: 'test.bulk', actorId: admin.id, documentId: null });

    const forbidden = await h.request('/v1/audit', {
      token: owner.token,
      headers: { accept: 'application/x-ndjson' },
    });
    expect(forbidden.status).toBe(403);
  });
});

describe('GET /v1/audit/verify', () => {
  it('verifies the whole chain, and finds an entry altered behind its back', async () => {
    const admin = await h.user('verifier@example.com', { role: 'admin' });
    const compliance = await h.user('verifier.compliance@example.com', { role: 'compliance' });
    const member = await h.user('verifier.member@example.com');
    const count = Number(
      (
        await h.t.db
          .selectFrom('audit_events')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
    const verify = async (token: string) => {
      const response = await h.request('/v1/audit/verify', { token });
      expect(response.status).toBe(200);
      return response.json();
    };
    expect(await verify(admin.token)).toEqual({ ok: true, count });
    expect(await verify(compliance.token)).toEqual({ ok: true, count });
    expect((await h.request('/v1/audit/verify', { token: member.token })).status).toBe(403);

    // The table refuses updates; someone with the database owner's rights could still
    // switch the trigger off. The chain shows it.
    const { sql } = await import('kysely');
    const victim = await h.t.db
      .selectFrom('audit_events')
      .select('id')
      .orderBy('id')
      .offset(3)
      .limit(1)
      .executeTakeFirstOrThrow();
    await sql`alter table audit_events disable trigger audit_events_no_update`.execute(h.t.db);
    await sql`update audit_events set details = '{"forged":true}'::jsonb where id = ${victim.id}`.execute(
      h.t.db,
    );
    await sql`alter table audit_events enable trigger audit_events_no_update`.execute(h.t.db);
    expect(await verify(admin.token)).toEqual({ ok: false, count: 3, brokenAt: String(victim.id) });
  });
});
