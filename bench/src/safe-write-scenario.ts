import type { SafeWriteResult } from './results.js';
import type { ScenarioContext } from './scenarios.js';
import { paperSentences, startBenchApi } from './search-scenario.js';
import { median, round } from './stats.js';

/**
 * What a safe REST write costs on a large document (issue: "the merge's cost for a 1 MB
 * document"): a Markdown document of `profile.paragraphs` paragraphs is created through
 * the real API; then, `profile.rounds` times, an integration reads it (ETag and
 * Markdown), someone else changes one paragraph meanwhile, and the integration writes
 * its own version — three paragraphs changed — with `If-Match` on the now stale ETag,
 * so Folio rebuilds the state the integration read and merges into the live document.
 */
export async function safeWriteScenario(ctx: ScenarioContext): Promise<SafeWriteResult> {
  const profile = ctx.profiles.safeWrite;
  const sentences = paperSentences();
  const paragraphs = Array.from(
    { length: profile.paragraphs },
    (_, i) => `Paragraph ${i}: ${sentences[(i * 7 + 3) % sentences.length]}`,
  );
  // A 1 MB document is past the default MAX_BODY_BYTES.
  const { api, base } = await startBenchApi(ctx, { MAX_BODY_BYTES: String(16 * 1024 * 1024) });
  try {
    const call = async (
      method: string,
      path: string,
      body?: unknown,
      headers: Record<string, string> = {},
    ) => {
      const began = performance.now();
      const response = await fetch(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${ctx.infra.token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      const ms = performance.now() - began;
      if (!response.ok)
        throw new Error(`${method} ${path} answered ${response.status}: ${text.slice(0, 300)}`);
      return { ms, text, etag: response.headers.get('etag') };
    };
    const markdown = paragraphs.join('\n\n');
    const created = JSON.parse(
      (await call('POST', '/v1/documents', { title: 'Safe write, large', content: { markdown } })).text,
    ) as { id: string };
    const content = `/v1/documents/${created.id}/content`;
    const reads: number[] = [];
    const merges: number[] = [];
    const updateBytes: number[] = [];
    for (let round = 0; round < profile.rounds; round++) {
      const read = await call('GET', `${content}?format=markdown`);
      reads.push(read.ms);
      if (!read.etag) throw new Error('content read without an ETag');
      const blocks = read.text.split('\n\n');
      // Someone else edits one paragraph after the read…
      const human = [...blocks];
      const h = (round * 13 + 1) % human.length;
      human[h] = `${human[h]} (edited by a person, round ${round})`;
      await call('PUT', content, { markdown: human.join('\n\n') });
      // …and the integration writes three other paragraphs on the state it read.
      const agent = [...blocks];
      for (const k of [2, 5, 11]) {
        const i = (round * 31 + k * 97) % agent.length;
        if (i !== h) agent[i] = `${agent[i]} (revised by the integration, round ${round})`;
      }
      const merged = await call('PUT', content, { markdown: agent.join('\n\n') }, { 'if-match': read.etag });
      merges.push(merged.ms);
      updateBytes.push((JSON.parse(merged.text) as { bytes: number }).bytes);
    }
    const final = (await call('GET', `${content}?format=markdown`)).text;
    if (!final.includes(`(edited by a person, round ${profile.rounds - 1})`)) {
      throw new Error("the merge lost the person's concurrent edit");
    }
    if (!final.includes(`(revised by the integration, round ${profile.rounds - 1})`)) {
      throw new Error("the merge lost the integration's change");
    }
    return {
      paragraphs: profile.paragraphs,
      markdownBytes: Buffer.byteLength(markdown),
      rounds: profile.rounds,
      readMs: round(median(reads)),
      mergeMs: round(median(merges)),
      mergeMaxMs: round(Math.max(...merges)),
      updateBytes: Math.round(median(updateBytes)),
    };
  } finally {
    await api.stop();
  }
}
