import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningApi, serveApi } from '../serve.js';
import { buildTestApi, type TestApi } from '../test-app.js';

/**
 * Hostile and huge Markdown bodies: each is answered quickly, with a clear 400 naming
 * the field or a correct document, and while a large body is parsed the process keeps
 * answering other requests. The timings are printed for the record.
 */

let h: TestApi;
let owner: { id: string; token: string };
beforeAll(async () => {
  h = await buildTestApi();
  owner = await h.user('markdown.input@example.com');
});
afterAll(async () => h?.close());

async function newDocument(): Promise<string> {
  const response = await h.request('/v1/documents', {
    method: 'POST',
    token: owner.token,
    json: { title: 'md' },
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { id: string }).id;
}

async function putMarkdown(id: string, markdown: string) {
  const started = performance.now();
  const response = await h.request(`/v1/documents/${id}/content`, {
    method: 'PUT',
    token: owner.token,
    json: { markdown },
  });
  const ms = performance.now() - started;
  const body = (await response.json()) as Record<string, unknown>;
  return { status: response.status, type: response.headers.get('content-type'), body, ms };
}

const textOf = async (id: string) =>
  (await h.request(`/v1/documents/${id}/content?format=text`, { token: owner.token })).text();

const nestedList = (depth: number) =>
  Array.from({ length: depth }, (_, i) => `${'  '.repeat(i)}- level ${i + 1}`).join('\n');

// A bit over 2,000,000 characters of ordinary prose with marks and links, cut to the limit.
const paragraph = 'Some *emphasis*, **strong** text and [a link](https://example.com/x) in a paragraph.\n\n';
const prose = paragraph.repeat(Math.ceil(2_000_000 / paragraph.length)).slice(0, 2_000_000);

describe('Markdown bodies beyond what a parser should be made to do', () => {
  const timings: string[] = [];
  afterAll(() => console.log(`PUT /content {markdown} timings:\n  ${timings.join('\n  ')}`));

  it('a 60 KB line of [ is a correct document, quickly', async () => {
    const id = await newDocument();
    const result = await putMarkdown(id, '['.repeat(60_000));
    timings.push(`60,000 × '[' (one line): ${result.status} in ${result.ms.toFixed(0)} ms`);
    expect(result.status).toBe(200);
    expect(await textOf(id)).toBe('['.repeat(60_000));
    expect(result.ms).toBeLessThan(3_000);
  });

  it('8,000 nested quotes and a 1,000-deep list are refused with 400 naming the field', async () => {
    const id = await newDocument();
    for (const [name, markdown] of [
      ["8,000 × '>'", `${'>'.repeat(8_000)} deep`],
      ['list nested 1,000 deep', nestedList(1_000)],
    ] as const) {
      const result = await putMarkdown(id, markdown);
      timings.push(`${name}: ${result.status} in ${result.ms.toFixed(0)} ms`);
      expect(result.status).toBe(400);
      expect(result.type).toContain('application/problem+json');
      expect(result.body).toMatchObject({ status: 400, field: 'markdown' });
      expect(String(result.body.detail)).toMatch(/nest more than 32 levels/);
      expect(result.ms).toBeLessThan(1_000);
    }
    // Nothing was stored.
    expect(await textOf(id)).toBe('');
    // Within the limit, deep structure is kept.
    const ok = await putMarkdown(id, nestedList(12));
    expect(ok.status).toBe(200);
    // The last line is the empty paragraph Tiptap editors keep after a list.
    expect((await textOf(id)).split('\n')).toEqual([
      ...Array.from({ length: 12 }, (_, i) => `level ${i + 1}`),
      '',
    ]);
  });

  it('100,000 × * on one line is refused as too long a line; 60,000 of them are a rule', async () => {
    const id = await newDocument();
    const long = await putMarkdown(id, '*'.repeat(100_000));
    timings.push(`100,000 × '*': ${long.status} in ${long.ms.toFixed(0)} ms`);
    expect(long.status).toBe(400);
    expect(long.body).toMatchObject({ field: 'markdown' });
    expect(String(long.body.detail)).toMatch(/line 1 is 100000 characters long/);
    const rule = await putMarkdown(id, '*'.repeat(60_000));
    timings.push(`60,000 × '*': ${rule.status} in ${rule.ms.toFixed(0)} ms`);
    expect(rule.status).toBe(200);
    const json = (await (
      await h.request(`/v1/documents/${id}/content?format=json`, { token: owner.token })
    ).json()) as { default: { content: { type: string }[] } };
    expect(json.default.content.map((n) => n.type)).toEqual(['horizontalRule', 'paragraph']);
    expect(long.ms).toBeLessThan(1_000);
    expect(rule.ms).toBeLessThan(3_000);
  });

  it('a 2,000,000-character body is a correct document; the same as one line is refused', async () => {
    const id = await newDocument();
    const result = await putMarkdown(id, prose);
    timings.push(`2,000,000 characters of prose: ${result.status} in ${result.ms.toFixed(0)} ms`);
    expect(result.status, JSON.stringify(result.body)).toBe(200);
    const text = await textOf(id);
    expect(text.startsWith('Some emphasis, strong text and a link in a paragraph.\n')).toBe(true);
    expect(text.split('\n').length).toBe(Math.ceil(2_000_000 / paragraph.length));
    const line = await putMarkdown(id, '['.repeat(2_000_000));
    timings.push(`2,000,000 × '[' (one line): ${line.status} in ${line.ms.toFixed(0)} ms`);
    expect(line.status).toBe(400);
    expect(line.ms).toBeLessThan(1_000);
  }, 120_000);

  it('POST /v1/documents names content.markdown', async () => {
    const response = await h.request('/v1/documents', {
      method: 'POST',
      token: owner.token,
      json: { title: 'deep', content: { markdown: '>'.repeat(8_000) } },
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ field: 'content.markdown' });
  });
});

describe('GET /content?format=markdown', () => {
  it('renders what was written as the same Markdown, and Y.Text as its text', async () => {
    const id = await newDocument();
    const markdown =
      '# Plan\n\n- ship **it**\n  - [docs](https://example.com/d)\n\n> careful\n\n```sh\nmake\n```';
    expect((await putMarkdown(id, markdown)).status).toBe(200);
    const response = await h.request(`/v1/documents/${id}/content?format=markdown`, { token: owner.token });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/markdown');
    const rendered = await response.text();
    expect(rendered).toBe(
      '# Plan\n\n- ship **it**\n  - [docs](https://example.com/d)\n\n> careful\n\n```sh\nmake\n```',
    );
    // Written back, it reads the same: the round trip is stable.
    expect((await putMarkdown(id, rendered)).body).toMatchObject({ changed: false });
  });
});

describe('the event loop while a large body is parsed', () => {
  let served: RunningApi;
  beforeAll(async () => {
    served = await serveApi(h.api.app, { port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => served?.close());

  it('keeps answering other requests within about 50 ms', async () => {
    const base = `http://127.0.0.1:${served.port}`;
    const id = await newDocument();
    // Warm the connection pool and the route, so the first sample measures the loop.
    await fetch(`${base}/healthz`);
    let done = false;
    const started = performance.now();
    const put = fetch(`${base}/v1/documents/${id}/content`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${owner.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ markdown: prose }),
    }).finally(() => {
      done = true;
    });
    const latencies: number[] = [];
    while (!done) {
      const sent = performance.now();
      const response = await fetch(`${base}/healthz`);
      expect(response.status).toBe(200);
      latencies.push(performance.now() - sent);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const response = await put;
    const total = performance.now() - started;
    expect(response.status).toBe(200);
    latencies.sort((a, b) => a - b);
    const worst = latencies.at(-1) ?? 0;
    const p95 = latencies[Math.floor(latencies.length * 0.95)] ?? 0;
    console.log(
      `while a 2,000,000-character PUT took ${total.toFixed(0)} ms: ${latencies.length} GET /healthz, ` +
        `p50 ${latencies[Math.floor(latencies.length / 2)]?.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms, ` +
        `worst ${worst.toFixed(1)} ms`,
    );
    // Many samples during the parse, none held up by it. The worst single sample is
    // bounded loosely: on a 2-core machine shared with other work, scattered samples of
    // 50–300 ms come from CPU starvation, not from this process (they fall anywhere in
    // the parse, not at its end); the hand-written parser held the loop for the whole
    // parse, about 13 s for this body.
    expect(latencies.length).toBeGreaterThan(20);
    expect(p95).toBeLessThan(50);
    expect(worst).toBeLessThan(500);
  }, 120_000);
});
