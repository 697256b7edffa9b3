import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildTestApi, type TestApi } from '../test-app.js';

let h: TestApi;
beforeAll(async () => {
  h = await buildTestApi();
});
afterAll(async () => h?.close());

type Hit = { documentId: string; title: string; snippet: string; rank: number };
type User = Awaited<ReturnType<TestApi['user']>>;

async function search(token: string, params: Record<string, string>): Promise<Hit[]> {
  const response = await h.request(`/v1/search?${new URLSearchParams(params)}`, { token });
  expect(response.status, await response.clone().text()).toBe(200);
  return ((await response.json()) as { items: Hit[] }).items;
}
const ids = (hits: Hit[]) => hits.map((hit) => hit.documentId).sort();

describe('GET /v1/search', () => {
  let alice: User;
  let bob: User;
  let admin: User;
  let aliceDoc: { id: string; workspaceId: string };
  let fruitDoc: { id: string; workspaceId: string };
  let bobDoc: { id: string; workspaceId: string };

  beforeAll(async () => {
    alice = await h.user('alice.search@example.com');
    bob = await h.user('bob.search@example.com');
    admin = await h.user('admin.search@example.com', { role: 'admin' });
    aliceDoc = await h.createDocument(alice.token, {
      title: 'Quarterly budget',
      content: { text: 'The marketing budget is 5 < 6 & rising.' },
    });
    fruitDoc = await h.createDocument(alice.token, {
      title: 'Groceries',
      content: { text: 'We buy apples and oranges for the budget meeting.' },
    });
    bobDoc = await h.createDocument(bob.token, {
      title: 'Budget of Bob',
      content: { text: 'budget bananas' },
    });
  });

  it('finds only what the caller may read, ranked, with an escaped, highlighted snippet', async () => {
    const hits = await search(alice.token, { q: 'budget' });
    expect(ids(hits)).toEqual([aliceDoc.id, fruitDoc.id].sort());
    // The title carries more weight than the body.
    expect(hits[0]?.documentId).toBe(aliceDoc.id);
    expect(hits[0]?.rank).toBeGreaterThan(hits[1]?.rank ?? 0);
    expect(hits[0]?.title).toBe('Quarterly budget');
    expect(hits[0]?.snippet).toContain('<mark>budget</mark>');
    expect(hits[0]?.snippet).toContain('is 5 &lt; 6 &amp; rising');
    expect(ids(await search(bob.token, { q: 'budget' }))).toEqual([bobDoc.id]);
    expect(ids(await search(admin.token, { q: 'budget' }))).toEqual(
      [aliceDoc.id, fruitDoc.id, bobDoc.id].sort(),
    );
  });

  it('ranks a title match above any body match, however often the body repeats the word', async () => {
    const body = await h.createDocument(alice.token, {
      title: 'Notes',
      content: { text: 'quokka quokka quokka quokka quokka quokka quokka quokka' },
    });
    const title = await h.createDocument(alice.token, {
      title: 'Quokka',
      content: { text: 'a marsupial, mentioned once in a much longer body of unrelated prose about weather' },
    });
    await vi.waitFor(async () => expect(await search(alice.token, { q: 'quokka' })).toHaveLength(2), {
      timeout: 5000,
    });
    const hits = await search(alice.token, { q: 'quokka' });
    expect(hits.map((hit) => hit.documentId)).toEqual([title.id, body.id]);

    // A title match is the title alone matching the whole query: half of it in the
    // title and half in the body is a body match.
    const split = await h.createDocument(alice.token, {
      title: 'Wombat sightings',
      content: { text: 'a burrow of the wombat near a numbat colony, numbat numbat numbat' },
    });
    const whole = await h.createDocument(alice.token, {
      title: 'Numbat and wombat',
      content: { text: 'animals' },
    });
    await vi.waitFor(
      async () =>
        expect((await search(alice.token, { q: 'wombat numbat' })).map((hit) => hit.documentId)).toEqual([
          whole.id,
          split.id,
        ]),
      { timeout: 5000 },
    );
  });

  it('understands web-search syntax: phrases, or, exclusion', async () => {
    expect(ids(await search(alice.token, { q: '"apples and oranges"' }))).toEqual([fruitDoc.id]);
    expect(ids(await search(alice.token, { q: '"oranges and apples"' }))).toEqual([]);
    expect(ids(await search(alice.token, { q: 'budget -apples' }))).toEqual([aliceDoc.id]);
    expect(ids(await search(alice.token, { q: 'marketing or apples' }))).toEqual(
      [aliceDoc.id, fruitDoc.id].sort(),
    );
    expect(await search(alice.token, { q: 'budget', limit: '1' })).toHaveLength(1);
  });

  it('treats any text as search terms, never as SQL or query syntax', async () => {
    for (const q of ["'); drop table documents; --", '!!! & | :* (', '"unclosed', '\\', 'the']) {
      expect(await search(alice.token, { q })).toEqual([]);
    }
    expect(ids(await search(alice.token, { q: 'budget' }))).toHaveLength(2);
  });

  it('validates q and limit, naming the field', async () => {
    for (const [query, field] of [
      ['', 'q'],
      ['q=', 'q'],
      ['q=%20%20', 'q'],
      [`q=${'x'.repeat(257)}`, 'q'],
      ['q=a&limit=0', 'limit'],
      ['q=a&limit=1000', 'limit'],
      ['q=a%00b', 'q'],
      ['q=a&workspaceId=a%00b', 'workspaceId'],
    ] as const) {
      const response = await h.request(`/v1/search?${query}`, { token: alice.token });
      expect(response.status, query).toBe(400);
      expect(((await response.json()) as { field: string }).field).toBe(field);
    }
    expect((await h.request('/v1/search?q=budget')).status).toBe(401);
  });

  it('never crosses workspaces: explicit shares count, workspace membership alone does not', async () => {
    // A team workspace: its admin reads every document in it, a plain member none.
    const carol = await h.user('carol.search@example.com');
    const dave = await h.user('dave.search@example.com');
    const team = await h.team(alice, [carol, dave, bob]);
    const promoted = await h.request(`/v1/workspaces/${team.id}/members/${carol.id}`, {
      method: 'PUT',
      token: alice.token,
      json: { role: 'admin' },
    });
    expect(promoted.status).toBe(200);

    // Bob's own workspace filter hides the team's documents even once one is shared with him.
    const shared = await h.createDocument(alice.token, {
      title: 'Shared budget',
      workspaceId: team.id,
      content: { text: 'budget for the team' },
    });
    const share = await h.request(`/v1/documents/${shared.id}/permissions/${bob.id}`, {
      method: 'PUT',
      token: alice.token,
      json: { role: 'viewer' },
    });
    expect(share.status).toBe(200);
    expect(ids(await search(bob.token, { q: 'budget' }))).toEqual([bobDoc.id, shared.id].sort());
    expect(ids(await search(bob.token, { q: 'budget', workspaceId: bobDoc.workspaceId }))).toEqual([
      bobDoc.id,
    ]);
    expect(await search(bob.token, { q: 'marketing' })).toEqual([]);

    const teamDoc = await h.createDocument(alice.token, {
      title: 'Team roadmap',
      workspaceId: team.id,
      content: { text: 'roadmap budget' },
    });
    expect(ids(await search(carol.token, { q: 'roadmap' }))).toEqual([teamDoc.id]);
    expect(await search(dave.token, { q: 'roadmap' })).toEqual([]);
    expect(await search(carol.token, { q: 'marketing' })).toEqual([]);
  });

  it('needs the read scope', async () => {
    const writer = await h.user('writer.search@example.com', { scopes: ['write'] });
    expect((await h.request('/v1/search?q=budget', { token: writer.token })).status).toBe(403);
  });

  it('finds a REST write within 5 seconds, and forgets replaced text', async () => {
    const doc = await h.createDocument(alice.token, { title: 'Notes' });
    const put = (text: string) =>
      h.request(`/v1/documents/${doc.id}/content`, { method: 'PUT', token: alice.token, json: { text } });
    expect((await put('a zeppelin over the harbour')).status).toBe(200);
    await vi.waitFor(
      async () => expect(ids(await search(alice.token, { q: 'zeppelin' }))).toEqual([doc.id]),
      {
        timeout: 5_000,
        interval: 50,
      },
    );
    const update = await h.request(`/v1/documents/${doc.id}`, {
      method: 'PATCH',
      token: alice.token,
      json: { title: 'Airship notes' },
    });
    expect(update.status).toBe(200);
    expect((await put('a balloon over the harbour')).status).toBe(200);
    await vi.waitFor(
      async () => {
        expect(ids(await search(alice.token, { q: 'balloon' }))).toEqual([doc.id]);
        expect(await search(alice.token, { q: 'zeppelin' })).toEqual([]);
        expect((await search(alice.token, { q: 'airship' }))[0]?.title).toBe('Airship notes');
      },
      { timeout: 5_000, interval: 50 },
    );
  });

  it('stores and indexes a long document of distinct words (the index keeps its start)', async () => {
    const words = Array.from({ length: 90_000 }, (_, i) => `w${i.toString(36)}x${(i * 7919).toString(36)}`);
    const body = `aardvark ${words.join(' ')} zebrafish`;
    expect(body.length).toBeGreaterThan(900_000);
    const doc = await h.createDocument(alice.token, { title: 'Long', content: { text: body } });
    const write = await h.request(`/v1/documents/${doc.id}/content`, {
      method: 'PUT',
      token: alice.token,
      json: { text: `${body} more` },
    });
    expect(write.status).toBe(200);
    expect(ids(await search(alice.token, { q: 'aardvark' }))).toEqual([doc.id]);
    // Past the indexed prefix: stored, but not searchable.
    expect(await search(alice.token, { q: 'zebrafish' })).toEqual([]);
  });
});
