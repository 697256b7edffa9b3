import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { documentText } from './content.js';
import { type ContentConverter, ContentRefusedError, createContentConverter } from './content-converter.js';

const EMPTY = Uint8Array.of(0, 0);
const body = 'A paragraph with *marks* and [a link](https://example.com).\n\n'.repeat(2_000);

let converter: ContentConverter | undefined;
afterEach(async () => {
  await converter?.close();
  converter = undefined;
});

const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => (error instanceof ContentRefusedError ? error.kind : error),
  );

describe('ContentConverter', () => {
  it('converts in a worker thread exactly as inline', async () => {
    converter = createContentConverter({ inlineBelowChars: 0 });
    const inWorker = await converter.convert(EMPTY, { markdown: body });
    const inline = await createContentConverter({ inlineBelowChars: Number.POSITIVE_INFINITY }).convert(
      EMPTY,
      {
        markdown: body,
      },
    );
    const read = (update: Uint8Array | undefined) => {
      const doc = new Y.Doc();
      if (update) Y.applyUpdate(doc, update);
      return documentText(doc);
    };
    expect(read(inWorker.update)).toBe(read(inline.update));
    expect(inWorker.text).toBe(inline.text);
    expect(inWorker.bytes).toBeGreaterThan(0);
  });

  it('refuses limits from the worker with the same kind as inline', async () => {
    converter = createContentConverter({ inlineBelowChars: 0 });
    expect(await refusal(converter.convert(EMPTY, { markdown: '>'.repeat(9_000) }))).toBe('limit');
  });

  it('stops a conversion that outlasts its timeout', async () => {
    converter = createContentConverter({ inlineBelowChars: 0, timeoutMs: 1 });
    expect(await refusal(converter.convert(EMPTY, { markdown: body.repeat(10) }))).toBe('timeout');
  });

  it('refuses work beyond its queue as busy instead of queueing without bound', async () => {
    converter = createContentConverter({ inlineBelowChars: 0, threads: 1, maxQueue: 1 });
    const results = await Promise.all(
      Array.from({ length: 4 }, () =>
        refusal((converter as ContentConverter).convert(EMPTY, { markdown: body })),
      ),
    );
    expect(results.filter((r) => r === 'busy').length).toBeGreaterThanOrEqual(2);
    expect(results.filter((r) => r === undefined).length).toBeGreaterThanOrEqual(1);
  });
});
